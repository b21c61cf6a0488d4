import { randomUUID } from 'node:crypto';
import { taskRoleOf } from './task-role.js';
import { parseArn } from '../../kernel/index.js';
import type { ContainerSpec, LogTarget, Probe, SandboxSpec, WorkloadSpec } from '../../wire/index.js';
import type { TaskDefinitionRecord, TaskRecord } from '../tables.js';
import { logConfigurationError, parseBool } from './awslogs-options.js';
import { onFargate } from './put-task.js';
import { effectiveContainers, hostPortOf } from './resources.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- container definitions are the registered JSON */
type Json = Record<string, any>;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const NETWORK_MODES: Record<string, SandboxSpec['network']['mode']> = {
  bridge: 'bridge',
  host: 'host',
  none: 'none',
  awsvpc: 'own',
};

const CONDITIONS: Record<string, ContainerSpec['startAfter'][number]['condition']> = {
  START: 'started',
  COMPLETE: 'completed',
  SUCCESS: 'succeeded',
  HEALTHY: 'healthy',
};

/** ECS healthCheck as a probe: CMD-SHELL runs under /bin/sh -c; interval 30 s, timeout 5 s, 3 retries by default. */
export function healthProbe(hc: Json | undefined): Probe | undefined {
  const cmd = (hc?.command ?? []) as string[];
  const command =
    cmd[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', cmd.slice(1).join(' ')] : cmd[0] === 'CMD' ? cmd.slice(1) : cmd;
  if (!hc || command.length === 0) return undefined;
  return {
    action: { type: 'exec', command },
    periodMs: (hc.interval ?? 30) * 1000,
    timeoutMs: (hc.timeout ?? 5) * 1000,
    failureThreshold: hc.retries ?? 3,
    successThreshold: 1,
    gracePeriodMs: (hc.startPeriod ?? 0) * 1000,
  };
}

/** An awslogs logConfiguration as a CloudWatch target (stream `prefix/container/task` as ECS names it). */
export function logTarget(c: Json, taskId: string): LogTarget {
  const lc = c.logConfiguration as Json | undefined;
  const o = (lc?.options ?? {}) as Record<string, string>;
  if (lc?.logDriver !== 'awslogs' || !o['awslogs-group']) return { type: 'file' };
  const prefix = o['awslogs-stream-prefix'];
  return {
    type: 'cloudwatch',
    group: o['awslogs-group'],
    stream: o['awslogs-stream'] ?? (prefix ? `${prefix}/${c.name}/${taskId}` : `${taskId}/${c.name}`),
    ...(o['awslogs-region'] ? { region: o['awslogs-region'] } : {}),
    createGroup: parseBool(o['awslogs-create-group'] ?? '') === true,
    ...(o['awslogs-multiline-pattern'] ? { multilinePattern: o['awslogs-multiline-pattern'] } : {}),
    ...(o['awslogs-datetime-format'] ? { datetimeFormat: o['awslogs-datetime-format'] } : {}),
  };
}

/** A container's own mount points, then those of its volumesFrom sources (read-only if either side says so). */
function mountsOf(c: Json, all: Json[]): ContainerSpec['mounts'] {
  const own = (x: Json, forceRo: boolean) =>
    ((x.mountPoints ?? []) as Json[]).map((mp) => ({
      volume: String(mp.sourceVolume),
      containerPath: String(mp.containerPath),
      readOnly: forceRo || mp.readOnly === true,
    }));
  const mounts = own(c, false);
  for (const vf of (c.volumesFrom ?? []) as Json[]) {
    const src = all.find((x) => x.name === vf.sourceContainer);
    for (const m of src ? own(src, vf.readOnly === true) : []) {
      if (!mounts.some((x) => x.containerPath === m.containerPath)) mounts.push(m);
    }
  }
  return mounts;
}

/**
 * ECS's container restart policy: when enabled, a container that exits is started again at once,
 * unless its exit code is ignored or it ran less than restartAttemptPeriod (300 s by default).
 */
function restartOf(p: Json | undefined): ContainerSpec['restart'] {
  if (p?.enabled !== true) return { policy: 'never', ignoredExitCodes: [], backoff: false };
  return {
    policy: 'always',
    ignoredExitCodes: (p.ignoredExitCodes ?? []) as number[],
    minRunMs: ((p.restartAttemptPeriod as number | undefined) ?? 300) * 1000,
    backoff: false,
  };
}

function containerSpec(c: Json, all: Json[], t: TaskRecord, networkMode: string): ContainerSpec {
  const lp = (c.linuxParameters ?? {}) as Json;
  // On Fargate a container without a limit of its own is held to the task's memory.
  const memory = (c.memory as number | undefined) ?? (onFargate(t) ? t.memory : undefined);
  const health = healthProbe(c.healthCheck as Json | undefined);
  return {
    name: String(c.name),
    image: String(c.image),
    ...(c.entryPoint ? { command: c.entryPoint as string[] } : {}),
    ...(c.command ? { args: c.command as string[] } : {}),
    env: ((c.environment ?? []) as Json[]).map((e) => ({ name: String(e.name), value: String(e.value ?? '') })),
    secretEnv: ((c.secrets ?? []) as Json[]).map((s) => ({ name: String(s.name), from: String(s.valueFrom) })),
    ...(typeof (c.repositoryCredentials as Json | undefined)?.credentialsParameter === 'string'
      ? { imageAuth: { from: (c.repositoryCredentials as Json).credentialsParameter as string } }
      : {}),
    ...(c.workingDirectory ? { workingDir: String(c.workingDirectory) } : {}),
    ...(c.user ? { user: String(c.user) } : {}),
    ...(c.hostname ? { hostname: String(c.hostname) } : {}),
    mounts: mountsOf(c, all),
    resources: {
      cpuShares: (c.cpu as number | undefined) ?? 0,
      ...(memory ? { memoryLimitBytes: memory * MiB } : {}),
      ...(c.memoryReservation ? { memoryReservationBytes: (c.memoryReservation as number) * MiB } : {}),
    },
    security: {
      privileged: c.privileged === true,
      readonlyRootfs: c.readonlyRootFilesystem === true,
      capAdd: (lp.capabilities?.add ?? []) as string[],
      capDrop: (lp.capabilities?.drop ?? []) as string[],
      init: lp.initProcessEnabled === true,
      ...(((c.dockerSecurityOptions ?? []) as string[]).includes('no-new-privileges') ? { noNewPrivileges: true } : {}),
      ...(lp.sharedMemorySize ? { sharedMemoryBytes: (lp.sharedMemorySize as number) * MiB } : {}),
      tmpfs: ((lp.tmpfs ?? []) as Json[]).map((x) => ({
        path: String(x.containerPath),
        sizeBytes: (x.size as number) * MiB,
        options: (x.mountOptions ?? []) as string[],
      })),
      rlimits: ((c.ulimits ?? []) as Json[]).map((u) => ({
        name: String(u.name),
        soft: u.softLimit as number,
        hard: u.hardLimit as number,
      })),
    },
    labels: (c.dockerLabels ?? {}) as Record<string, string>,
    ...(c.dnsServers || c.dnsSearchDomains
      ? { dns: { servers: (c.dnsServers ?? []) as string[], searches: (c.dnsSearchDomains ?? []) as string[] } }
      : {}),
    hostAliases: ((c.extraHosts ?? []) as Json[]).map((h) => ({
      hostname: String(h.hostname),
      ip: String(h.ipAddress),
    })),
    ports: ((c.portMappings ?? []) as Json[])
      .filter((pm) => pm.containerPort !== undefined)
      .map((pm) => {
        const hostPort = hostPortOf(networkMode, pm);
        return {
          containerPort: pm.containerPort as number,
          ...(hostPort ? { hostPort: hostPort as number } : {}),
          protocol: pm.protocol === 'udp' ? ('udp' as const) : ('tcp' as const),
        };
      }),
    // As docker run -i and -t: stdin held open (for ever: ECS attaches no client) and a terminal.
    ...(c.interactive === true || c.pseudoTerminal === true
      ? { stdio: { stdin: c.interactive === true, stdinOnce: false, tty: c.pseudoTerminal === true } }
      : {}),
    essential: c.essential !== false,
    startAfter: ((c.dependsOn ?? []) as Json[]).map((d) => ({
      container: String(d.containerName),
      condition: CONDITIONS[String(d.condition)] ?? 'started',
    })),
    restart: restartOf(c.restartPolicy as Json | undefined),
    stop: { timeoutMs: ((c.stopTimeout as number | undefined) ?? 30) * 1000, signal: 'TERM' },
    probes: health ? { health } : {},
    log: logTarget(c, t.id),
  };
}

/** A task's volumes as sandbox volumes; EFS, FSx and non-local Docker drivers are not served. */
function volumesOf(td: TaskDefinitionRecord): { volumes: SandboxSpec['volumes']; unsupported?: string } {
  const volumes: SandboxSpec['volumes'] = [];
  for (const v of (td.input.volumes ?? []) as Json[]) {
    const name = String(v.name);
    if (v.efsVolumeConfiguration || v.fsxWindowsFileServerVolumeConfiguration)
      return { volumes, unsupported: `volume '${name}': EFS and FSx volumes are not implemented by berth's agent` };
    const docker = v.dockerVolumeConfiguration as Json | undefined;
    if (docker?.driver && docker.driver !== 'local')
      return { volumes, unsupported: `volume '${name}': Docker volume driver '${docker.driver}' is not implemented` };
    volumes.push({
      name,
      source: v.host?.sourcePath
        ? { type: 'host', path: String(v.host.sourcePath) }
        : docker?.scope === 'shared'
          ? { type: 'shared' }
          : { type: 'workload' },
    });
  }
  return { volumes };
}

/** What ECS's task metadata endpoint says of the task itself. */
function taskMetadata(t: TaskRecord, td: TaskDefinitionRecord): { id: string; task: Record<string, string | number> } {
  const a = parseArn(t.arn);
  return {
    id: randomUUID(),
    task: {
      Cluster: `arn:aws:ecs:${a.region}:${a.accountId}:cluster/${t.cluster}`,
      TaskARN: t.arn,
      Family: td.family,
      Revision: td.revision,
      LaunchType: onFargate(t) ? 'FARGATE' : 'EC2',
      ...(t.availabilityZone ? { AvailabilityZone: t.availabilityZone } : {}),
      ...(t.group?.startsWith('service:') ? { ServiceName: t.group.slice(8) } : {}),
    },
  };
}

/** Each container's own metadata URIs (v4 and, for older SDKs, v3), set as ECS sets them. */
const metadataEnv = (id: string, container: string) => [
  { name: 'ECS_CONTAINER_METADATA_URI_V4', value: `http://169.254.170.2/v4/${id}-${container}` },
  { name: 'ECS_CONTAINER_METADATA_URI', value: `http://169.254.170.2/v3/${id}-${container}` },
];

/**
 * An ECS task as the neutral workload: its definition with the task's overrides, in the words
 * every host understands. Made once, when the task is; what the agent runs.
 */
export function ecsWorkload(t: TaskRecord, td: TaskDefinitionRecord): WorkloadSpec {
  const networkMode = (td.input.networkMode as string | undefined) ?? 'bridge';
  const mode = NETWORK_MODES[networkMode] ?? 'bridge';
  const defs = effectiveContainers(td, t.overrides);
  const { volumes, unsupported } = volumesOf(td);
  // Options Docker's awslogs driver would refuse fail the task before its containers are made.
  const logProblem = logConfigurationError(defs);
  const region = parseArn(t.arn).region;
  const role = taskRoleOf(td, t.overrides as Record<string, unknown> | undefined);
  const identity = role ? { role, credentialsId: randomUUID() } : undefined;
  // The metadata endpoint is reached through the task's own network (bridge, awsvpc) or the host's.
  const metadata = mode === 'bridge' || mode === 'own' || mode === 'host' ? taskMetadata(t, td) : undefined;
  const containers = defs.map((c) => containerSpec(c, defs, t, networkMode));
  return {
    id: t.id,
    ref: t.arn,
    desired: t.desiredStatus === 'RUNNING' ? 'running' : 'stopped',
    sandbox: {
      hostname: t.id.slice(0, 12),
      network: { mode, ...(t.subnetId ? { subnetId: t.subnetId } : {}) },
      ...(onFargate(t)
        ? {
            isolation: {
              cpuUnits: t.cpu,
              memoryBytes: t.memory * MiB,
              storageBytes: (t.ephemeralStorageGiB ?? 20) * GiB,
            },
          }
        : {}),
      volumes,
      platformEnv: {
        AWS_EXECUTION_ENV: onFargate(t) ? 'AWS_ECS_FARGATE' : 'AWS_ECS_EC2',
        ...(region ? { AWS_REGION: region, AWS_DEFAULT_REGION: region } : {}),
        // Where the AWS SDKs and CLI find the task role's credentials (served by the host).
        ...(identity ? { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${identity.credentialsId}` } : {}),
      },
      ...(t.stopGraceMs !== undefined ? { stopGraceMs: t.stopGraceMs } : {}),
      ...(identity ? { identity } : {}),
      ...(metadata ? { metadata } : {}),
    },
    containers: metadata
      ? containers.map((c) => ({ ...c, env: [...c.env, ...metadataEnv(metadata.id, c.name)] }))
      : containers,
    ...(logProblem
      ? { cannotStart: `CannotCreateContainerError: ${logProblem}` }
      : unsupported
        ? { cannotStart: `CannotStartContainerError: ${unsupported}` }
        : {}),
  };
}
