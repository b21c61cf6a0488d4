import { z } from 'zod';

/**
 * The neutral workload: what a host runs, in no face's words. It is shaped after the Kubernetes
 * CRI (`runtime.v1`): a sandbox (network, DNS, hostname, cgroup, ports) holding containers
 * (image, command and args, env, working dir, user, mounts, resources, security context, log
 * target), plus the lifecycle CRI leaves to the kubelet and berth's faces need: essential
 * containers, start order with conditions (ECS dependsOn, Kubernetes init containers), restart
 * policy, stop grace and signal, probes. Faces translate into it once, when a workload is made
 * (ECS: control-plane/tasks/ecs-workload.ts); the agent reads nothing else.
 */

const ms = z.number().int().nonnegative();

/** A probe: a command in the container, an HTTP GET or a TCP connect (Kubernetes' three). */
export const probeSchema = z.object({
  action: z.discriminatedUnion('type', [
    z.object({ type: z.literal('exec'), command: z.array(z.string()).min(1) }),
    z.object({
      type: z.literal('http'),
      port: z.number().int().min(1).max(65535),
      path: z.string(),
      host: z.string().optional(),
    }),
    z.object({ type: z.literal('tcp'), port: z.number().int().min(1).max(65535), host: z.string().optional() }),
  ]),
  /** The first probe comes one period after the start (Docker and ECS), or after this delay. */
  initialDelayMs: ms.optional(),
  periodMs: ms,
  timeoutMs: ms,
  /** Failures in a row that make the probe fail (ECS `retries`). */
  failureThreshold: z.number().int().min(1),
  successThreshold: z.number().int().min(1).default(1),
  /** Failures inside this grace after the start do not count (ECS `startPeriod`). */
  gracePeriodMs: ms.default(0),
});

export const START_CONDITIONS = ['started', 'completed', 'succeeded', 'healthy'] as const;

/** Where a container's stdout and stderr go besides the host's log file. */
export const logTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file') }),
  z.object({
    type: z.literal('cloudwatch'),
    group: z.string().min(1),
    stream: z.string().min(1),
    region: z.string().optional(),
    createGroup: z.boolean(),
    /** A line matching this (RE2) starts a new event. */
    multilinePattern: z.string().optional(),
    /** Or: a line that starts with a time in this strftime format does. */
    datetimeFormat: z.string().optional(),
  }),
]);

export const mountSchema = z.object({
  /** A volume of the sandbox, by name. */
  volume: z.string().min(1),
  containerPath: z.string().min(1),
  readOnly: z.boolean(),
});

/** A sandbox volume: a host path, a directory that lives and dies with the workload, or one shared across workloads. */
export const volumeSchema = z.object({
  name: z.string().min(1),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('host'), path: z.string().min(1) }),
    /** `mode`: the directory's permissions when the host makes it (Kubernetes' emptyDir: 0777, whoever the containers run as). */
    z.object({ type: z.literal('workload'), mode: z.number().int().min(0).max(0o7777).optional() }),
    /** Kept across workloads, in the host's directory named `id` (else the volume's name). */
    z.object({
      type: z.literal('shared'),
      id: z.string().min(1).max(253).optional(),
      mode: z.number().int().min(0).max(0o7777).optional(),
    }),
    /**
     * Files the control plane hands over (Kubernetes configMap, secret, downwardAPI and projected
     * volumes): written into a directory of the workload's before its first container starts, and
     * mounted read-only. Paths are relative and stay inside the volume.
     */
    z.object({
      type: z.literal('files'),
      files: z.array(
        z.object({
          path: z.string().min(1).max(4096),
          /** base64 */
          content: z.string(),
          mode: z.number().int().min(0).max(0o777),
        }),
      ),
    }),
  ]),
});

export const containerSpecSchema = z.object({
  name: z.string().min(1),
  image: z.string().min(1),
  /** Replaces the image's Entrypoint (CRI `command`); with no args the image's Cmd is dropped too. */
  command: z.array(z.string()).optional(),
  /** Replaces the image's Cmd (CRI `args`). */
  args: z.array(z.string()).optional(),
  env: z.array(z.object({ name: z.string(), value: z.string() })),
  /**
   * Variables whose values live in the control plane's secret store (`from`: a parameter's name
   * or ARN). Stored without values; the control plane adds each `value` when it sends the spec,
   * and a host keeps values in memory only: it saves the spec without them and, after its own
   * restart, starts no container of the workload until the control plane has sent them again.
   */
  secretEnv: z.array(z.object({ name: z.string(), from: z.string(), value: z.string().optional() })).default([]),
  /** Variables set to the workload's own address once its network is made (Kubernetes' status.podIP). */
  addressEnv: z.array(z.string()).optional(),
  /**
   * Credentials for the image's registry (CRI's AuthConfig), from the control plane's secret
   * store (`from`: the secret holding them). Kept as secretEnv is: stored without the username
   * and password, which the control plane adds at each send and a host holds in memory only.
   */
  imageAuth: z
    .object({ from: z.string(), username: z.string().optional(), password: z.string().optional() })
    .optional(),
  workingDir: z.string().optional(),
  user: z.string().optional(),
  hostname: z.string().optional(),
  mounts: z.array(mountSchema),
  resources: z.object({
    cpuShares: z.number().int().nonnegative(),
    memoryLimitBytes: z.number().int().positive().optional(),
    memoryReservationBytes: z.number().int().positive().optional(),
  }),
  security: z.object({
    privileged: z.boolean(),
    readonlyRootfs: z.boolean(),
    capAdd: z.array(z.string()),
    capDrop: z.array(z.string()),
    /** A minimal init as PID 1 (Docker's --init). */
    init: z.boolean(),
    sharedMemoryBytes: z.number().int().positive().optional(),
    tmpfs: z.array(
      z.object({ path: z.string(), sizeBytes: z.number().int().positive(), options: z.array(z.string()) }),
    ),
    rlimits: z.array(z.object({ name: z.string(), soft: z.number().int(), hard: z.number().int() })),
    /** The process and its children cannot gain privileges (setuid, file capabilities): Kubernetes' allowPrivilegeEscalation: false. */
    noNewPrivileges: z.boolean().optional(),
    /** A seccomp filter: the runtime's default profile, or none (absent: none). */
    seccomp: z.enum(['unconfined', 'runtime-default']).optional(),
    /** Refuse to start the container when it would run as uid 0 (Kubernetes' runAsNonRoot). */
    runAsNonRoot: z.boolean().optional(),
    /** Groups the process is in besides its own (Kubernetes' supplementalGroups and fsGroup). */
    additionalGids: z.array(z.number().int().min(0).max(4294967294)).max(64).optional(),
  }),
  labels: z.record(z.string(), z.string()),
  dns: z
    .object({ servers: z.array(z.string()), searches: z.array(z.string()), options: z.array(z.string()).optional() })
    .optional(),
  hostAliases: z.array(z.object({ hostname: z.string(), ip: z.string() })),
  ports: z.array(
    z.object({
      containerPort: z.number().int().min(1).max(65535),
      /** Fixed host port; absent: the container's own (host and awsvpc) or a free one (bridge). */
      hostPort: z.number().int().min(1).max(65535).optional(),
      protocol: z.enum(['tcp', 'udp']),
    }),
  ),
  /**
   * The process's stdin held open for clients to attach to (Kubernetes' stdin; with stdinOnce it
   * closes when the first client leaves) and a terminal (tty): its own process, not an exec's.
   */
  stdio: z.object({ stdin: z.boolean(), stdinOnce: z.boolean(), tty: z.boolean() }).optional(),
  /** The workload stops when an essential container exits. */
  essential: z.boolean(),
  startAfter: z.array(z.object({ container: z.string(), condition: z.enum(START_CONDITIONS) })),
  restart: z.object({
    policy: z.enum(['never', 'on-failure', 'always']),
    /** Exit codes that never bring a restart (ECS ignoredExitCodes). */
    ignoredExitCodes: z.array(z.number().int()).default([]),
    /** A container that exits sooner than this after its start is not started again (ECS restartAttemptPeriod). */
    minRunMs: ms.optional(),
    /** Kubernetes' back-off between restarts: 10 s doubling to 5 min, afresh after 10 min of running; else at once. */
    backoff: z.boolean().default(true),
  }),
  stop: z.object({ timeoutMs: ms, signal: z.string().default('TERM') }),
  /** Reported as health (ECS healthCheck); liveness restarts, readiness gates traffic, startup holds both. */
  probes: z.object({
    health: probeSchema.optional(),
    liveness: probeSchema.optional(),
    readiness: probeSchema.optional(),
    startup: probeSchema.optional(),
  }),
  log: logTargetSchema,
});

export const sandboxSpecSchema = z.object({
  hostname: z.string().min(1),
  network: z.object({
    /** host: the host's namespace; none: its own, loopback only; bridge: NAT on the host bridge; own: an address of its own (awsvpc). */
    mode: z.enum(['host', 'none', 'bridge', 'own']),
    subnetId: z.string().optional(),
  }),
  /** Held to exactly this much CPU and memory in a cgroup of its own, with writable storage of this size (Fargate). */
  isolation: z
    .object({
      cpuUnits: z.number().int().positive(),
      memoryBytes: z.number().int().positive(),
      storageBytes: z.number().int().positive(),
    })
    .optional(),
  volumes: z.array(volumeSchema),
  /** Variables the platform sets in every container before their own (AWS_EXECUTION_ENV, AWS_REGION, …). */
  platformEnv: z.record(z.string(), z.string()),
  /** SIGKILL this long after the stop signal, whatever each container's own timeout (a Spot interruption). */
  stopGraceMs: ms.optional(),
  /**
   * The role the workload's containers act as (an ECS task role): the host serves its temporary
   * credentials to this workload alone, under `/v2/credentials/<credentialsId>` at 169.254.170.2.
   */
  identity: z
    .object({ role: z.string().min(1).max(2048), credentialsId: z.string().regex(/^[0-9a-f-]{36}$/) })
    .optional(),
  /**
   * The workload's metadata endpoint at 169.254.170.2 (`/v4/<id>-<container>`, `/v3/…`), served to
   * the workload alone: `task` is what the face says of it there (ECS: Cluster, TaskARN, Family,
   * Revision, LaunchType, AvailabilityZone), beside what the host knows (statuses, times, addresses).
   */
  metadata: z
    .object({
      id: z.string().regex(/^[0-9a-f-]{36}$/),
      task: z.record(z.string(), z.union([z.string(), z.number()])),
    })
    .optional(),
});

export const workloadSpecSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  /** The face's name for it, for logs and reports (an ECS task ARN, a pod's namespace/name). */
  ref: z.string().min(1),
  desired: z.enum(['running', 'stopped']),
  sandbox: sandboxSpecSchema,
  containers: z.array(containerSpecSchema).min(1),
  /** Set when the face already knows the workload cannot start, and why (in the face's words). */
  cannotStart: z.string().optional(),
  /**
   * Set when what the workload needs before its images are pulled could not be had (its secrets,
   * its registry credentials, leave to pull): it fails at once, pulling nothing.
   */
  cannotPull: z.string().optional(),
});

export type Probe = z.infer<typeof probeSchema>;
export type LogTarget = z.infer<typeof logTargetSchema>;
export type ContainerSpec = z.infer<typeof containerSpecSchema>;
export type SandboxSpec = z.infer<typeof sandboxSpecSchema>;
export type WorkloadSpec = z.infer<typeof workloadSpecSchema>;
