import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readContainerLog } from './container-logs.js';

test('k8s-file records become timestamped lines, partial records joined', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-logs-'));
  try {
    const file = join(dir, 'container.log');
    await writeFile(
      file,
      [
        '2026-11-22T04:55:09.443814687+00:00 stdout F hello',
        '2026-11-22T04:55:09.500000000+00:00 stderr P half ',
        '2026-11-22T04:55:09.600000000+00:00 stdout F between',
        '2026-11-22T04:55:09.700000000+00:00 stderr F and half',
        'garbage line',
        '2026-11-22T06:55:10Z stdout F ',
        '',
      ].join('\n'),
    );
    const all = await readContainerLog(file);
    assert.deepEqual(all, [
      { timestamp: Date.parse('2026-11-22T04:55:09.443Z'), stream: 'stdout', message: 'hello' },
      { timestamp: Date.parse('2026-11-22T04:55:09.600Z'), stream: 'stdout', message: 'between' },
      { timestamp: Date.parse('2026-11-22T04:55:09.500Z'), stream: 'stderr', message: 'half and half' },
      { timestamp: Date.parse('2026-11-22T06:55:10Z'), stream: 'stdout', message: '' },
    ]);
    assert.deepEqual(
      (await readContainerLog(file, { limit: 2, fromEnd: true })).map((e) => e.message),
      ['half and half', ''],
    );
    assert.deepEqual(
      (await readContainerLog(file, { limit: 1 })).map((e) => e.message),
      ['hello'],
    );
    assert.deepEqual(
      (await readContainerLog(file, { startTime: Date.parse('2026-11-22T04:55:09.550Z') })).map((e) => e.message),
      ['between', ''],
    );
    assert.deepEqual(await readContainerLog(join(dir, 'missing.log')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
