import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connectionOwnedBy } from './socket-owner.js';

describe('connectionOwnedBy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-socket-owner-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const proc = join(dir, 'proc');
  const cgroup = join(dir, 'cgroup');
  mkdirSync(join(proc, 'net'), { recursive: true });
  // 169.254.170.2:41000 → 169.254.170.2:80, inode 777; the server's own end, inode 778.
  writeFileSync(
    join(proc, 'net', 'tcp'),
    [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 02AAFEA9:0050 02AAFEA9:A028 01 00000000:00000000 00:00000000 00000000     0        0 778 1 0 20 4 30 10 -1',
      '   1: 02AAFEA9:A028 02AAFEA9:0050 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0 20 4 30 10 -1',
    ].join('\n'),
  );
  // v2 layout: the task's container cgroup holds pid 42, another task's pid 43.
  mkdirSync(join(cgroup, 'berth', 'task-a-app'), { recursive: true });
  mkdirSync(join(cgroup, 'berth', 'task-b-app'), { recursive: true });
  writeFileSync(join(cgroup, 'cgroup.controllers'), 'cpu memory pids\n');
  writeFileSync(join(cgroup, 'berth', 'task-a-app', 'cgroup.procs'), '42\n');
  writeFileSync(join(cgroup, 'berth', 'task-b-app', 'cgroup.procs'), '43\n');
  for (const [pid, target] of [
    ['42', 'socket:[777]'],
    ['43', 'socket:[999]'],
  ] as const) {
    mkdirSync(join(proc, pid, 'fd'), { recursive: true });
    symlinkSync('/dev/null', join(proc, pid, 'fd', '0'));
    symlinkSync(target, join(proc, pid, 'fd', '3'));
  }
  const roots = { cgroup, proc };
  const client = { address: '169.254.170.2', port: 41000 };
  const server = { address: '169.254.170.2', port: 80 };

  it('finds the connection among the open sockets of the task’s own processes', async () => {
    assert.equal(await connectionOwnedBy(client, server, ['/berth/task-a-app'], roots), true);
  });

  it('refuses another task, an unknown connection and a malformed address', async () => {
    assert.equal(await connectionOwnedBy(client, server, ['/berth/task-b-app'], roots), false);
    assert.equal(await connectionOwnedBy({ ...client, port: 41001 }, server, ['/berth/task-a-app'], roots), false);
    assert.equal(await connectionOwnedBy({ address: 'nope', port: 1 }, server, ['/berth/task-a-app'], roots), false);
    assert.equal(await connectionOwnedBy(client, server, ['/berth/gone'], roots), false);
  });
});
