import type { ContainerSpec, ContainerStateWord, WorkloadPhase } from '../wire/index.js';
import type { LocalTask } from './task-state.js';

// ECS's task metadata (v3 and v4 shapes) from what the face said of the task (spec.sandbox.metadata)
// and what this host knows: statuses, times, images, addresses.

type Json = Record<string, unknown>;

// The metadata endpoint is ECS's: its statuses in ECS's words.
const TASK_STATUS: Record<WorkloadPhase, string> = {
  preparing: 'PROVISIONING',
  pulling: 'PENDING',
  starting: 'ACTIVATING',
  running: 'RUNNING',
  stopping: 'STOPPING',
  'tearing-down': 'DEPROVISIONING',
  stopped: 'STOPPED',
};
const CONTAINER_STATUS: Record<ContainerStateWord, string> = {
  waiting: 'PENDING',
  running: 'RUNNING',
  exited: 'STOPPED',
};

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
    KnownStatus: s ? CONTAINER_STATUS[s.state] : undefined,
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
    KnownStatus: TASK_STATUS[t.phase],
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
