import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';

/**
 * One reading of a container's resource use from its cgroup (and, for its network, from the
 * /proc of a process inside it), in the host's words; a face shapes it as it must (ECS's task
 * metadata `/stats` answers in Docker's stats format: task-metadata.ts).
 *
 *   v1 (this host's hybrid layout)                         v2 (unified)
 *   cpuacct/<path>/cpuacct.usage, .usage_percpu, .stat    <path>/cpu.stat usage_usec, user_usec, system_usec
 *   memory/<path>/memory.usage_in_bytes, .limit_in_bytes  <path>/memory.current, memory.max, memory.peak
 *   memory/<path>/memory.max_usage_in_bytes, memory.stat  <path>/memory.stat
 *   blkio/<path>/blkio.throttle.io_service_bytes          <path>/io.stat rbytes= wbytes=
 *   pids/<path>/pids.current                              <path>/pids.current
 *   <path>/cgroup.procs → /proc/<pid>/net/dev (the container's network namespace)
 */
export interface CgroupSample {
  /** When it was read (ms). */
  at: number;
  cpu: { totalNs: number; userNs: number; systemNs: number; perCpuNs: number[]; onlineCpus: number; hostNs: number };
  memory: { usage: number; maxUsage?: number; limit: number; stats: Record<string, number> };
  pids: number;
  io: { readBytes: number; writeBytes: number };
  networks: Record<string, NetCounters>;
}

export interface NetCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

const ROOT = '/sys/fs/cgroup';
/** USER_HZ: /proc/stat and cpuacct.stat count in these (100 on Linux). */
const TICK_NS = 10_000_000;
/** A limit this large means none (v1 writes a page-rounded 2^63-1). */
const NO_LIMIT = 2 ** 62;

const text = (path: string) => readFile(path, 'utf8').catch(() => undefined);
const num = (s: string | undefined) => (s === undefined || s.trim() === '' ? undefined : Number(s.trim()));

/** `key value` lines as numbers, keys taken as own properties of a prototype-free object. */
function keyed(s: string | undefined): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const line of (s ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** The host's CPU time in ns, as Docker's `system_cpu_usage`: the `cpu` line of /proc/stat. */
async function systemCpuNs(): Promise<number> {
  const line = (await text('/proc/stat'))?.split('\n').find((l) => l.startsWith('cpu '));
  const ticks = (line ?? '')
    .split(/\s+/)
    .slice(1, 8)
    .reduce((a, v) => a + (Number(v) || 0), 0);
  return ticks * TICK_NS;
}

/** A network namespace's interfaces (loopback left out, as Docker does). */
export function parseNetDev(s: string | undefined): Record<string, NetCounters> {
  const out = Object.create(null) as Record<string, NetCounters>;
  for (const line of (s ?? '').split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (name === 'lo' || f.length < 16) continue;
    out[name] = {
      rxBytes: f[0] ?? 0,
      rxPackets: f[1] ?? 0,
      rxErrors: f[2] ?? 0,
      rxDropped: f[3] ?? 0,
      txBytes: f[8] ?? 0,
      txPackets: f[9] ?? 0,
      txErrors: f[10] ?? 0,
      txDropped: f[11] ?? 0,
    };
  }
  return out;
}

async function networksOf(procsFile: string): Promise<Record<string, NetCounters>> {
  const pid = (await text(procsFile))?.split('\n')[0]?.trim();
  return pid && /^\d+$/.test(pid) ? parseNetDev(await text(`/proc/${pid}/net/dev`)) : {};
}

/** Reads a container's cgroup (`path` as its OCI spec gave it); undefined when it is gone. */
export async function readCgroupStats(path: string, root = ROOT, now = Date.now()): Promise<CgroupSample | undefined> {
  const rel = path.replace(/^\/+/, '');
  const onlineCpus = cpus().length;
  if (existsSync(join(root, 'cgroup.controllers'))) {
    const dir = join(root, rel);
    const cpu = keyed(await text(join(dir, 'cpu.stat')));
    if (cpu['usage_usec'] === undefined) return undefined;
    const io = (await text(join(dir, 'io.stat'))) ?? '';
    const sum = (key: string) =>
      [...io.matchAll(new RegExp(`\\b${key}=(\\d+)`, 'g'))].reduce((a, m) => a + Number(m[1]), 0);
    const max = num(await text(join(dir, 'memory.max')));
    const peak = num(await text(join(dir, 'memory.peak')));
    return {
      at: now,
      cpu: {
        totalNs: (cpu['usage_usec'] ?? 0) * 1000,
        userNs: (cpu['user_usec'] ?? 0) * 1000,
        systemNs: (cpu['system_usec'] ?? 0) * 1000,
        perCpuNs: [],
        onlineCpus,
        hostNs: await systemCpuNs(),
      },
      memory: {
        usage: num(await text(join(dir, 'memory.current'))) ?? 0,
        ...(peak !== undefined ? { maxUsage: peak } : {}),
        limit: max === undefined || Number.isNaN(max) ? NO_LIMIT : max,
        stats: keyed(await text(join(dir, 'memory.stat'))),
      },
      pids: num(await text(join(dir, 'pids.current'))) ?? 0,
      io: { readBytes: sum('rbytes'), writeBytes: sum('wbytes') },
      networks: await networksOf(join(dir, 'cgroup.procs')),
    };
  }
  const usage = num(await text(join(root, 'cpuacct', rel, 'cpuacct.usage')));
  if (usage === undefined) return undefined;
  const ticks = keyed(await text(join(root, 'cpuacct', rel, 'cpuacct.stat')));
  const perCpu = ((await text(join(root, 'cpuacct', rel, 'cpuacct.usage_percpu'))) ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  const mem = join(root, 'memory', rel);
  const limit = num(await text(join(mem, 'memory.limit_in_bytes'))) ?? NO_LIMIT;
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of ((await text(join(root, 'blkio', rel, 'blkio.throttle.io_service_bytes'))) ?? '').split('\n')) {
    const [, op, v] = line.trim().split(/\s+/);
    if (op === 'Read') readBytes += Number(v) || 0;
    else if (op === 'Write') writeBytes += Number(v) || 0;
  }
  const maxUsage = num(await text(join(mem, 'memory.max_usage_in_bytes')));
  return {
    at: now,
    cpu: {
      totalNs: usage,
      userNs: (ticks['user'] ?? 0) * TICK_NS,
      systemNs: (ticks['system'] ?? 0) * TICK_NS,
      perCpuNs: perCpu,
      onlineCpus,
      hostNs: await systemCpuNs(),
    },
    memory: {
      usage: num(await text(join(mem, 'memory.usage_in_bytes'))) ?? 0,
      ...(maxUsage !== undefined ? { maxUsage } : {}),
      limit: limit >= NO_LIMIT ? NO_LIMIT : limit,
      stats: keyed(await text(join(mem, 'memory.stat'))),
    },
    pids: num(await text(join(root, 'pids', rel, 'pids.current'))) ?? 0,
    io: { readBytes, writeBytes },
    networks: await networksOf(join(mem, 'cgroup.procs')),
  };
}
