import type { Expr } from './query/ast.js';

/** One container instance as the scheduler sees it: a snapshot, never the store. */
export interface InstanceView {
  arn: string;
  id: string;
  status: string;
  agentConnected: boolean;
  registeredAt: number;
  ec2InstanceId?: string;
  agentVersion?: string;
  attributes: Record<string, string | undefined>;
  remaining: { cpu: number; memory: number; gpus: number };
  /** Host ports in use, as `port/protocol`. */
  usedPorts: string[];
  /** How many tasks of each group the instance holds (running or about to run). */
  taskGroups: Readonly<Record<string, number>>;
  runningTasksCount: number;
}

export type Constraint = { type: 'distinctInstance' } | { type: 'memberOf'; expression: Expr };
export type Strategy =
  { type: 'binpack'; field: 'cpu' | 'memory' } | { type: 'spread'; field: string } | { type: 'random' };

/** What one task asks of an instance. */
export interface TaskRequest {
  cpu: number;
  memory: number;
  gpus: number;
  /** Fixed host ports, as `port/protocol`. */
  ports: string[];
  group: string;
  /** Attributes the task definition requires (`requiresAttributes`), by name and optional value. */
  requiredAttributes: { name: string; value?: string }[];
  constraints: Constraint[];
  strategies: Strategy[];
}

/** ECS's own placement failure reasons. */
export type Reason = 'AGENT' | 'ATTRIBUTE' | 'RESOURCE:CPU' | 'RESOURCE:MEMORY' | 'RESOURCE:GPU' | 'RESOURCE:PORTS';

export interface Plan {
  /** For each task placed, in order, the instance it goes to. */
  placements: { index: number; instanceArn: string }[];
  /** Tasks that could not be placed, with each instance's reason for refusing the first of them. */
  failures: { arn: string; reason: Reason }[];
}

/** A feasibility check: undefined when the instance can take the task, else why not. */
export type Checker = (instance: InstanceView, task: TaskRequest) => Reason | undefined;
