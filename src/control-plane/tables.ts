import { FARGATE_FLEET, type WorkloadSpec } from '../wire/index.js';
import { defineTable } from '../store/index.js';

/**
 * The ECS domain's records. Keys are `/`-separated so that a cluster's rows are one prefix:
 * `<cluster>/<id>` for container instances and tasks, `<family>/<revision, zero-padded>` for
 * task definitions (so they list in revision order).
 */
export interface Tag {
  key: string;
  value: string;
}

export interface ClusterRecord {
  name: string;
  arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  createdAt: number;
  tags: Tag[];
  settings: { name: string; value: string }[];
  configuration?: unknown;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: unknown[];
  serviceConnectDefaults?: unknown;
}

export interface TaskDefinitionRecord {
  family: string;
  revision: number;
  arn: string;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  /** Everything the user registered, kept verbatim. */
  input: Record<string, unknown>;
  tags: Tag[];
  requiresAttributes: { name: string; value?: string }[];
  compatibilities: string[];
  /** Task-level cpu and memory in units and MiB, when set. */
  cpuUnits?: number;
  memoryMiB?: number;
  registeredAt: number;
  registeredBy?: string;
  deregisteredAt?: number;
  deleteRequestedAt?: number;
}

export interface FamilyRecord {
  family: string;
  latestRevision: number;
  activeRevisions: number;
}

export interface AttributeRecord {
  name: string;
  value?: string;
}

export interface ContainerInstanceRecord {
  cluster: string;
  id: string;
  arn: string;
  ec2InstanceId?: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE' | 'REGISTERING' | 'DEREGISTERING';
  agentConnected: boolean;
  agentLastSeenAt?: number;
  registeredAt: number;
  registeredResources: { cpu: number; memory: number; ports: string[]; gpus: number };
  attributes: AttributeRecord[];
  tags: Tag[];
  version: number;
  agentVersion?: string;
  hostname?: string;
  /** The address the host is reached at (its agent's connection's), for load balancers' targets. */
  address?: string;
  /** What the instance's live tasks reserve, kept by every task write (see tasks/put-task.ts). */
  usage?: InstanceUsage;
  /**
   * Every pool the host serves when it serves more than one (a cluster and the Fargate fleet): it
   * has a row in each, under one id, and its memory is one, so each row also counts what the
   * host's tasks of the other pools reserve (InstanceUsage.otherPoolsMemory).
   */
  pools?: string[];
}

export interface InstanceUsage {
  cpu: number;
  memory: number;
  gpus: number;
  usedPorts: string[];
  /** Tasks per group, counted (a list would grow with every task the instance ever holds). */
  groups: Record<string, number>;
  /** The list form earlier versions stored; read once and replaced by `groups`. */
  taskGroups?: string[];
  running: number;
  pending: number;
  /** Memory the host's live tasks of its other pools reserve (see ContainerInstanceRecord.pools). */
  otherPoolsMemory?: number;
}

export interface NetworkBinding {
  bindIP?: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: string;
}

export interface ContainerRecord {
  name: string;
  id: string;
  arn: string;
  image: string;
  imageDigest?: string;
  runtimeId?: string;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
  networkBindings: NetworkBinding[];
  networkInterfaces: { attachmentId?: string; privateIpv4Address?: string }[];
  healthStatus: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  cpu?: string;
  memory?: string;
  memoryReservation?: string;
  essential: boolean;
}

/**
 * Where a workload runs: a host record (a row of `containerInstances`) by the pool it serves and
 * its id. The pool is an ECS cluster's name for its container instances, FLEET for the hosts of
 * the Fargate fleet; later faces add theirs (a Kubernetes node pool).
 */
export interface HostRef {
  pool: string;
  id: string;
}

export interface TaskRecord {
  cluster: string;
  id: string;
  arn: string;
  taskDefinitionArn: string;
  family: string;
  /** The host that runs the task; none until it is placed. Read it with hostOf. */
  host?: HostRef;
  /** How tasks written by earlier versions name their host: an instance of `cluster`. */
  containerInstanceId?: string;
  /** ECS's name of the task's container instance (EC2 and external launch types only). */
  containerInstanceArn?: string;
  launchType: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  lastStatus: string;
  group: string;
  startedBy?: string;
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  connectivity?: 'CONNECTED' | 'DISCONNECTED';
  connectivityAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  executionStoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  overrides: Record<string, unknown>;
  /** What the task reserves on its instance (after overrides). */
  cpu: number;
  memory: number;
  ports: string[];
  cpuText?: string;
  memoryText?: string;
  tags: Tag[];
  enableExecuteCommand: boolean;
  containers: ContainerRecord[];
  attachments: unknown[];
  availabilityZone?: string;
  healthStatus: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
  version: number;
  platformFamily?: string;
  /** How tasks written by earlier versions name their Fargate fleet host. */
  fargateHostId?: string;
  capacityProviderName?: string;
  platformVersion?: string;
  ephemeralStorageGiB?: number;
  /** The subnet of the task's ENI-like attachment (awsvpcConfiguration.subnets[0]). */
  subnetId?: string;
  /**
   * A service's task being taken out of its load balancers before it stops (ECS's DEACTIVATING):
   * its targets drain until `until`, then it is stopped for `reason`. It keeps running meanwhile.
   */
  deactivating?: { until: number; reason: string };
  /** Set by a Spot interruption: SIGKILL this long after SIGTERM, whatever the containers' stopTimeout. */
  stopGraceMs?: number;
}

/**
 * What a task's host runs: the neutral workload, made once when the task was, in a table of its
 * own so that the task's many status writes do not carry it (nobody watches it: no history).
 */
export interface WorkloadRecord {
  /** The task's key, `<cluster>/<id>`. */
  key: string;
  spec: WorkloadSpec;
}

/** A task placed on an instance and not yet stopped, indexed by instance for the agent gateway. */
export interface LiveTask {
  cluster: string;
  instanceId: string;
  taskId: string;
  /** On a Fargate fleet host (cluster FLEET), the user's cluster the task belongs to. */
  taskCluster?: string;
}

/** The Fargate fleet's pseudo-cluster (see the wire's FARGATE_FLEET). */
export const FLEET = FARGATE_FLEET;

export const liveTaskKey = (l: LiveTask) =>
  `${l.cluster}/${l.instanceId}/${l.taskCluster ? `${l.taskCluster}/` : ''}${l.taskId}`;
export const liveTasks = defineTable<LiveTask>('ecs.live-tasks', liveTaskKey);
// Read by nearly every ECS call and written rarely: one frozen copy per revision serves all reads.
export const clusters = defineTable<ClusterRecord>('ecs.clusters', (c) => c.name, { cache: true });
/** A task definition's key: its family and zero-padded revision, so revisions list in order. */
export const taskDefinitionKey = (family: string, revision: number | string) =>
  `${family}/${String(revision).padStart(9, '0')}`;
export const taskDefinitions = defineTable<TaskDefinitionRecord>('ecs.task-definitions', (t) =>
  taskDefinitionKey(t.family, t.revision),
);
export const families = defineTable<FamilyRecord>('ecs.families', (f) => f.family);
// Listed by every RunTask and written far less often: one frozen copy per revision serves all reads.
export const containerInstances = defineTable<ContainerInstanceRecord>(
  'ecs.container-instances',
  (c) => `${c.cluster}/${c.id}`,
  { cache: true },
);
// Read by every DescribeTasks, ListTasks and agent report: one frozen copy per revision serves them.
export const tasks = defineTable<TaskRecord>('ecs.tasks', (t) => `${t.cluster}/${t.id}`, { cache: true });
export const workloads = defineTable<WorkloadRecord>('ecs.workloads', (w) => w.key, { history: false });

/** The task group of a service's tasks, as ECS names it (`service:<name>`). */
export const serviceGroup = (name: string) => `service:${name}`;
