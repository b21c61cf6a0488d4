import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseNetDev, readCgroupStats } from './cgroup-stats.js';
import { containerStats } from '../task-metadata.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-cgstats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function files(root: string, tree: Record<string, string>): void {
  for (const [path, content] of Object.entries(tree)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0
  eth0:    5000      40    1    2    0     0          0         0     3000      30    3    4    0     0       0          0
`;

describe('container stats from cgroups', () => {
  it('reads the v1 hierarchies (this host’s hybrid layout)', async () => {
    const root = join(dir, 'v1');
    files(root, {
      'cpuacct/berth/t-app/cpuacct.usage': '123456789\n',
      'cpuacct/berth/t-app/cpuacct.usage_percpu': '100000000 23456789 \n',
      'cpuacct/berth/t-app/cpuacct.stat': 'user 7\nsystem 3\n',
      'memory/berth/t-app/memory.usage_in_bytes': '4096000\n',
      'memory/berth/t-app/memory.max_usage_in_bytes': '5000000\n',
      'memory/berth/t-app/memory.limit_in_bytes': '33554432\n',
      'memory/berth/t-app/memory.stat': 'cache 100\nrss 200\n__proto__ 5\n',
      'memory/berth/t-app/cgroup.procs': '',
      'blkio/berth/t-app/blkio.throttle.io_service_bytes': '8:0 Read 10\n8:0 Write 20\n8:16 Read 5\nTotal 35\n',
      'pids/berth/t-app/pids.current': '3\n',
    });
    const s = await readCgroupStats('/berth/t-app', root, 1000);
    assert.ok(s);
    assert.equal(s.cpu.totalNs, 123456789);
    assert.deepEqual(s.cpu.perCpuNs, [100000000, 23456789]);
    assert.equal(s.cpu.userNs, 70_000_000);
    assert.equal(s.cpu.systemNs, 30_000_000);
    assert.ok(s.cpu.hostNs > 0, 'the host’s own CPU time, from /proc/stat');
    assert.deepEqual([s.memory.usage, s.memory.maxUsage, s.memory.limit], [4096000, 5000000, 33554432]);
    assert.equal(s.memory.stats['rss'], 200);
    assert.equal(Object.getPrototypeOf(s.memory.stats), null, 'keys from a file never reach a prototype');
    assert.deepEqual(s.io, { readBytes: 15, writeBytes: 20 });
    assert.equal(s.pids, 3);
    assert.equal(await readCgroupStats('/berth/gone', root), undefined);
  });

  it('reads a unified (v2) directory', async () => {
    const root = join(dir, 'v2');
    files(root, {
      'cgroup.controllers': 'cpu memory io pids\n',
      'berth/t/app/cpu.stat': 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n',
      'berth/t/app/memory.current': '8192\n',
      'berth/t/app/memory.max': 'max\n',
      'berth/t/app/memory.stat': 'anon 4096\nfile 4096\n',
      'berth/t/app/io.stat': '8:0 rbytes=100 wbytes=50 rios=1 wios=1\n8:16 rbytes=1 wbytes=2\n',
      'berth/t/app/pids.current': '1\n',
    });
    const s = await readCgroupStats('/berth/t/app', root);
    assert.ok(s);
    assert.deepEqual([s.cpu.totalNs, s.cpu.userNs, s.cpu.systemNs], [2_500_000, 2_000_000, 500_000]);
    assert.equal(s.memory.usage, 8192);
    assert.ok(s.memory.limit >= 2 ** 62, '"max" is no limit');
    assert.deepEqual(s.io, { readBytes: 101, writeBytes: 52 });
  });

  it('counts a network namespace’s interfaces but loopback, and shapes it all as Docker’s stats', () => {
    const nets = parseNetDev(NET_DEV);
    assert.deepEqual(Object.keys(nets), ['eth0']);
    assert.deepEqual(nets['eth0'], {
      rxBytes: 5000,
      rxPackets: 40,
      rxErrors: 1,
      rxDropped: 2,
      txBytes: 3000,
      txPackets: 30,
      txErrors: 3,
      txDropped: 4,
    });
    const sample = (at: number, cpu: number) => ({
      at,
      cpu: { totalNs: cpu, userNs: cpu, systemNs: 0, perCpuNs: [], onlineCpus: 2, hostNs: 10 * cpu },
      memory: { usage: 1, limit: 2, stats: { rss: 1 } },
      pids: 1,
      io: { readBytes: 0, writeBytes: 0 },
      networks: nets,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Docker's JSON, read by path
    type Docker = Record<string, any>;
    const first = containerStats('t-app', sample(1000, 5)) as Docker;
    assert.equal(first['preread'], '0001-01-01T00:00:00Z');
    assert.equal(first['precpu_stats'].cpu_usage.total_usage, 0);
    assert.equal(first['networks'].eth0.tx_dropped, 4);
    const next = containerStats('t-app', sample(2000, 9), sample(1000, 5)) as Docker;
    assert.equal(next['preread'], new Date(1000).toISOString());
    assert.equal(next['precpu_stats'].cpu_usage.total_usage, 5);
    assert.equal(next['cpu_stats'].cpu_usage.total_usage, 9);
    assert.equal(next['cpu_stats'].system_cpu_usage, 90);
    assert.deepEqual([next['id'], next['name']], ['t-app', '/t-app']);
  });
});
