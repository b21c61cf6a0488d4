import { z } from 'zod';
import type { ServiceRoutes } from './service-routes.js';
import { execExitSchema, execOutputSchema, type ExecInput, type ExecStart } from './exec-stream.js';
import type { WorkloadSpec } from './workload.js';
import {
  CONTAINER_STATES,
  containerFailureSchema,
  endedSchema,
  HEALTH_STATES,
  WORKLOAD_PHASES,
} from './workload-state.js';

/**
 * The agent wire (`/agent/v1`, one JSON message per websocket frame). On (re)connect the agent
 * says hello and receives the full desired task set for its instance; after that each change
 * comes as a delta (changed specs, removed ids) with the next sequence number. A websocket keeps
 * order, and a reconnect starts again from a full set, so the agent converges on the store's
 * state whatever it missed. The agent reports each task's whole state.
 */
export const AGENT_PATH = '/agent/v1';

/**
 * The cluster name a welcome gives a host that serves only the Fargate fleet: the fleet's hosts
 * are container instances of this pseudo-cluster, a name no real cluster can have (ECS allows
 * letters, digits, `-` and `_`), so no user ever lists or targets them.
 */
export const FARGATE_FLEET = '~fargate';
/** The attribute of a host whose agent was told `berth agent --kube-cluster NAME` (`none`: not a node). */
export const KUBE_CLUSTER_ATTRIBUTE = 'berth.kube-cluster';

const attribute = z.object({ name: z.string().min(1).max(128), value: z.string().max(128).optional() });

/**
 * ECS task statuses in lifecycle order, as agents of earlier versions reported them (read by the
 * control plane only when a report has no `phase`).
 */
export const TASK_STATUSES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
] as const;

export const helloSchema = z.object({
  type: z.literal('hello'),
  /** The cluster whose container instance this host is; absent for a Fargate-fleet-only host. */
  cluster: z.string().min(1).optional(),
  /** The host also serves the Fargate fleet. */
  fargate: z.boolean().optional(),
  containerInstanceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  ec2InstanceId: z.string().optional(),
  hostname: z.string().optional(),
  agentVersion: z.string(),
  resources: z.object({
    cpu: z.number().int().nonnegative(),
    memory: z.number().int().nonnegative(),
    ports: z.array(z.string()),
    gpus: z.number().int().nonnegative().default(0),
  }),
  attributes: z.array(attribute),
  /** What the host offers the Fargate fleet (CPU may be overcommitted: each task is held to its own). */
  fargateResources: z
    .object({ cpu: z.number().int().nonnegative(), memory: z.number().int().nonnegative() })
    .optional(),
});

export const containerStateSchema = z.object({
  name: z.string(),
  state: z.enum(CONTAINER_STATES).optional(),
  runtimeId: z.string().optional(),
  imageDigest: z.string().optional(),
  exitCode: z.number().int().optional(),
  failure: containerFailureSchema.optional(),
  health: z.enum(HEALTH_STATES).optional(),
  /** Times its restart policy started it again, and how it ended the last time it ran. */
  restartCount: z.number().int().min(0).optional(),
  lastExit: z
    .object({
      code: z.number().int(),
      oomKilled: z.boolean(),
      startedAt: z.number().optional(),
      finishedAt: z.number(),
    })
    .optional(),
  /** When a container waiting for its restart back-off is started again (ms). */
  restartAt: z.number().optional(),
  /** When it last started (ms): after a restart, later than its workload's start. */
  startedAt: z.number().optional(),
  /** As agents of earlier versions reported them, in ECS's words: read when `state` is absent. */
  lastStatus: z.string().optional(),
  reason: z.string().max(1024).optional(),
  healthStatus: z.enum(['HEALTHY', 'UNHEALTHY', 'UNKNOWN']).optional(),
  networkBindings: z
    .array(
      z.object({
        bindIP: z.string().optional(),
        containerPort: z.number().int().optional(),
        hostPort: z.number().int().optional(),
        protocol: z.string().optional(),
      }),
    )
    .optional(),
  networkInterfaces: z
    .array(z.object({ attachmentId: z.string().optional(), privateIpv4Address: z.string().optional() }))
    .optional(),
});

export const taskStateSchema = z.object({
  type: z.literal('task-state'),
  /**
   * The task's cluster, sent by agents of earlier versions; the control plane finds a task from
   * the host's live tasks and reads this only for a task no longer live there.
   */
  cluster: z.string().min(1).optional(),
  taskId: z.string().regex(/^[0-9a-f]{32}$/),
  phase: z.enum(WORKLOAD_PHASES).optional(),
  ended: endedSchema.optional(),
  health: z.enum(HEALTH_STATES).optional(),
  /** As agents of earlier versions reported them, in ECS's words: read when `phase` is absent. */
  lastStatus: z.enum(TASK_STATUSES).optional(),
  pullStartedAt: z.number().optional(),
  pullStoppedAt: z.number().optional(),
  startedAt: z.number().optional(),
  stoppedAt: z.number().optional(),
  // As agents of earlier versions reported them, in ECS's words: read when `ended`/`health` are absent.
  executionStoppedAt: z.number().optional(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().max(1024).optional(),
  healthStatus: z.enum(['HEALTHY', 'UNHEALTHY', 'UNKNOWN']).optional(),
  /** The address of a workload with a network of its own (the face makes its interface of it). */
  network: z.object({ ip: z.string().max(64), mac: z.string().max(64).optional() }).optional(),
  /** As agents before the neutral report sent them (ECS's ENI attachment); read if `network` is absent. */
  attachments: z.array(z.unknown()).optional(),
  containers: z.array(containerStateSchema),
});

/** One line a container printed: when (ms), on which stream, what. */
export const logEventSchema = z.object({
  timestamp: z.number(),
  stream: z.enum(['stdout', 'stderr']),
  message: z.string(),
});

/** The agent's answer to a logs request: the lines, or why it has none. */
export const logsSchema = z.object({
  type: z.literal('logs'),
  requestId: z.string().min(1),
  events: z.array(logEventSchema),
  error: z.string().optional(),
});

/**
 * The awslogs driver: a contiguous piece of one container's log file, as events for one stream.
 * `source` and the byte range let the control plane recognise a batch it already stored.
 */
export const logBatchSchema = z.object({
  type: z.literal('log-batch'),
  requestId: z.string().min(1),
  group: z.string().min(1).max(512),
  stream: z.string().min(1).max(512),
  createGroup: z.boolean(),
  source: z.string().min(1),
  fromOffset: z.number().int().nonnegative(),
  toOffset: z.number().int().nonnegative(),
  events: z.array(z.object({ timestamp: z.number().int(), message: z.string() })).max(10_000),
});

/** A host asks for a workload's role credentials (its identity), to serve them to that workload. */
export const credentialsRequestSchema = z.object({
  type: z.literal('credentials-request'),
  requestId: z.string().min(1).max(64),
  taskId: z.string().regex(/^[0-9a-f]{32}$/),
});

/**
 * What the host's workloads use, read from their cgroups every few seconds: cumulative CPU time
 * and current memory per workload (its running containers summed). Counters are cumulative, so a
 * repeated or lost message costs nothing but a coarser interval.
 */
export const usageSchema = z.object({
  type: z.literal('usage'),
  /** When it was read (ms). */
  at: z.number().int().nonnegative(),
  workloads: z
    .array(
      z.object({
        taskId: z.string().regex(/^[0-9a-f]{32}$/),
        cpuNs: z.number().nonnegative(),
        memoryBytes: z.number().nonnegative(),
        /** Cumulative block I/O of its containers (bytes). */
        readBytes: z.number().nonnegative().optional(),
        writeBytes: z.number().nonnegative().optional(),
        /** Cumulative traffic of its own network namespace, loopback aside (absent on the host's network). */
        rxBytes: z.number().nonnegative().optional(),
        txBytes: z.number().nonnegative().optional(),
      }),
    )
    .max(10_000),
});

/** The shared volumes a host has removed (or found absent) as the control plane asked. */
export const volumesRemovedSchema = z.object({
  type: z.literal('volumes-removed'),
  ids: z.array(z.string().min(1).max(253)).max(10_000),
});

export const agentMessageSchema = z.discriminatedUnion('type', [
  credentialsRequestSchema,
  volumesRemovedSchema,
  usageSchema,
  helloSchema,
  taskStateSchema,
  logsSchema,
  logBatchSchema,
  execOutputSchema,
  execExitSchema,
  z.object({ type: z.literal('heartbeat') }),
]);

export type Hello = z.infer<typeof helloSchema>;
export type TaskStateMessage = z.infer<typeof taskStateSchema>;
export type UsageMessage = z.infer<typeof usageSchema>;
export type AgentMessage = z.infer<typeof agentMessageSchema>;
export type LogEventMessage = z.infer<typeof logEventSchema>;
export type LogBatch = z.infer<typeof logBatchSchema>;

/** Which lines of a container's log the control plane asks an agent for. */
export interface LogsRequest {
  type: 'logs-request';
  requestId: string;
  taskId: string;
  container: string;
  startTime?: number;
  endTime?: number;
  limit?: number;
  /** The last `limit` lines rather than the first. */
  fromEnd?: boolean;
}

/** One workload as a host runs it: the neutral spec (workload.ts), whatever face made it. */
export type TaskSpec = WorkloadSpec;

export type ServerMessage =
  | {
      type: 'welcome';
      cluster: string;
      containerInstanceId: string;
      containerInstanceArn: string;
      /**
       * berth's own registry: where to reach it, its credentials, and the other names an image
       * may give it (`127.0.0.1:<port>`, `<account>.dkr.ecr.<region>.amazonaws.com`, …).
       */
      registry?: { host: string; authorization: string; aliases?: string[] };
    }
  | { type: 'desired'; seq: number; tasks: TaskSpec[] }
  /** After the full set, only changes: new or changed specs, and task ids no longer wanted. */
  | { type: 'desired-delta'; seq: number; tasks: TaskSpec[]; removed: string[] }
  | LogsRequest
  /** A log batch stored (or recognised as stored before), or why it cannot be. */
  | { type: 'log-ack'; requestId: string; error?: string }
  /** A workload's role credentials (expiration in ms), or why it has none. */
  | { type: 'credentials'; requestId: string; credentials?: RoleCredentials; error?: string }
  /** The virtual addresses and cluster DNS every host serves (service-routes.ts), whole. */
  | { type: 'routes'; routes: ServiceRoutes }
  /** The shared volumes (by id) the host is to remove now, whole: it answers `volumes-removed`. */
  | { type: 'volume-removals'; ids: string[] }
  | ExecStart
  | ExecInput
  | { type: 'error'; message: string };

export interface RoleCredentials {
  roleArn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: number;
}

/**
 * The id of a task's ENI-like attachment, the same on both sides of the wire: the task id (32 hex
 * digits) in UUID form, as ECS's attachment ids look.
 */
export const attachmentIdFor = (taskId: string) =>
  `${taskId.slice(0, 8)}-${taskId.slice(8, 12)}-${taskId.slice(12, 16)}-${taskId.slice(16, 20)}-${taskId.slice(20, 32)}`;
