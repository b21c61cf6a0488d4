import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bytes, topTable } from './top-command.js';

it('prints tasks as docker stats prints containers', () => {
  assert.deepEqual([0, 999, 1000, 1536, 12_345_678, undefined].map(bytes), [
    '0B',
    '999B',
    '1.00kB',
    '1.54kB',
    '12.3MB',
    '--',
  ]);
  const [head, busy, fresh] = topTable([
    {
      taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef',
      cluster: 'default',
      family: 'burn',
      service: 'burn',
      cpuPercent: 98.5,
      cpuReserved: 256,
      memoryMiB: 12.25,
      memoryReserved: 64,
      netRxBytes: 1500,
      netTxBytes: 20,
      blockReadBytes: 0,
      blockWriteBytes: 4096,
    },
    {
      taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/f'.padEnd(80, 'f'),
      cluster: 'default',
      family: 'job',
      cpuReserved: 0,
      memoryReserved: 0,
    },
  ]).split('\n');
  assert.match(
    head ?? '',
    /^TASK +CLUSTER +SERVICE \/ FAMILY +CPU % +CPU UNITS +MEM USAGE \/ RESERVED +MEM % +NET I\/O +BLOCK I\/O$/,
  );
  assert.match(
    busy ?? '',
    /^0123456789abcdef0123456789abcdef default +service:burn +98\.50% +1009 \/ 256 +12\.3MiB \/ 64MiB +19\.14% +1\.50kB \/ 20B +0B \/ 4\.10kB$/,
  );
  assert.match(fresh ?? '', / job +-- +-- \/ -- +-- \/ -- +-- +-- \/ -- +-- \/ --$/, 'a task not read yet');
});
