import { ECS_CONTAINER_STATUS, ECS_TASK_STATUS, type ContainerSpec } from '../wire/index.js';
import type { CgroupSample } from './runtime/cgroup-stats.js';
import type { LocalTask } from './task-state.js';

// ECS's task metadata (v3 and v4 shapes) from what the face said of the task (spec.sandbox.metadata)
// and what this host knows: statuses, times, images, addresses.

type Json = Record<string, unknown>;

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function networks(t: LocalTask): Json[] {
  const mode = t.spec.sandbox.network.mode === 'own' ? 'awsvpc' : t.spec.sandbox.network.mode;
  const ip = t.network?.ip;
  return [defined({ NetworkMode: mode, IPv4Addresses: ip ? [ip] : [] })];
}

/** One container's metadata, as `${ECS_CONTAINER_METADATA_URI_V4}` answers. */
export function containerMetadata(t: LocalTask, c: ContainerSpec, v4: boolean): Json {
  const s = t.containers[c.name];
  const mib = (b: number | undefined) => (b === undefined ? undefined : Math.round(b / (1024 * 1024)));
  return defined({
    DockerId: s?.runtimeId,
    Name: c.name,
    DockerName: s?.runtimeId,
    Image: String(c.image),
    ImageID: s?.imageDigest,
    Labels: c.labels,
    DesiredStatus: t.spec.desired === 'running' ? 'RUNNING' : 'STOPPED',
    KnownStatus: s ? ECS_CONTAINER_STATUS[s.state] : undefined,
    ExitCode: s?.exitCode,
    Limits: defined({ CPU: c.resources.cpuShares, Memory: mib(c.resources.memoryLimitBytes) }),
    CreatedAt: iso(t.pullStoppedAt),
    StartedAt: iso(s?.startedAt),
    Type: 'NORMAL',
    ...(v4
      ? {
          Networks: networks(t),
          ...(c.log.type === 'cloudwatch'
            ? {
                LogDriver: 'awslogs',
                LogOptions: defined({
                  'awslogs-group': c.log.group,
                  'awslogs-region': c.log.region,
                  'awslogs-stream': c.log.stream,
                }),
              }
            : {}),
        }
      : {}),
  });
}

/** The task's metadata with all its containers, as `${ECS_CONTAINER_METADATA_URI_V4}/task` answers. */
export function taskMetadata(t: LocalTask, v4: boolean): Json {
  return defined({
    ...(t.spec.sandbox.metadata?.task ?? {}),
    DesiredStatus: t.spec.desired === 'running' ? 'RUNNING' : 'STOPPED',
    KnownStatus: ECS_TASK_STATUS[t.phase],
    Limits: t.spec.sandbox.isolation
      ? {
          CPU: t.spec.sandbox.isolation.cpuUnits / 1024,
          Memory: Math.round(t.spec.sandbox.isolation.memoryBytes / (1024 * 1024)),
        }
      : undefined,
    PullStartedAt: iso(t.pullStartedAt),
    PullStoppedAt: iso(t.pullStoppedAt),
    Containers: t.spec.containers.map((c) => containerMetadata(t, c, v4)),
  });
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function cpuStats(s: CgroupSample | undefined): Json {
  return {
    cpu_usage: {
      total_usage: s?.cpu.totalNs ?? 0,
      ...(s && s.cpu.perCpuNs.length > 0 ? { percpu_usage: s.cpu.perCpuNs } : {}),
      usage_in_kernelmode: s?.cpu.systemNs ?? 0,
      usage_in_usermode: s?.cpu.userNs ?? 0,
    },
    system_cpu_usage: s?.cpu.hostNs ?? 0,
    online_cpus: s?.cpu.onlineCpus ?? 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/**
 * One container's stats as `${ECS_CONTAINER_METADATA_URI_V4}/stats` answers: Docker's stats
 * format, with the reading before (`prev`) as `precpu_stats`, so a caller computes CPU percent
 * from one answer as `docker stats` does.
 */
export function containerStats(runtimeId: string, now: CgroupSample, prev?: CgroupSample): Json {
  const networks: Json = {};
  for (const [name, n] of Object.entries(now.networks))
    networks[name] = {
      rx_bytes: n.rxBytes,
      rx_packets: n.rxPackets,
      rx_errors: n.rxErrors,
      rx_dropped: n.rxDropped,
      tx_bytes: n.txBytes,
      tx_packets: n.txPackets,
      tx_errors: n.txErrors,
      tx_dropped: n.txDropped,
    };
  return {
    read: new Date(now.at).toISOString(),
    preread: prev ? new Date(prev.at).toISOString() : ZERO_TIME,
    pids_stats: { current: now.pids },
    blkio_stats: {
      io_service_bytes_recursive: [
        { major: 0, minor: 0, op: 'read', value: now.io.readBytes },
        { major: 0, minor: 0, op: 'write', value: now.io.writeBytes },
      ],
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(now),
    precpu_stats: cpuStats(prev),
    memory_stats: defined({
      usage: now.memory.usage,
      max_usage: now.memory.maxUsage,
      stats: { ...now.memory.stats },
      limit: now.memory.limit,
    }),
    name: `/${runtimeId}`,
    id: runtimeId,
    ...(Object.keys(networks).length > 0 ? { networks } : {}),
  };
}
