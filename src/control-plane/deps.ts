import type { IamDeps, Sealer } from '../iam/index.js';
import type { Clock, MetricDatum, PublishMetrics } from '../kernel/index.js';
import type { EventFiles } from '../logs/index.js';
import type { SharedStore } from '../store/index.js';
import type { ForeignWorkloads } from './foreign-workloads.js';

export interface ControlPlaneDeps {
  store: SharedStore;
  clock: Clock;
  accountId: string;
  region: string;
  /** Where CloudWatch Logs keeps events when servers share state (logs' `LogsDeps.events`). */
  events?: EventFiles;
  /** Random numbers for placement tie-breaks (seedable in tests). */
  rng?: () => number;
  /** How long a disconnected agent's tasks are kept before services replace them (default 60 s). */
  agentLostGraceMs?: number;
  /** How long a service's task must run (healthy) before it counts as steady (default 10 s). */
  deploymentHoldMs?: number;
  /** Opens the parameter store's sealed values, to hand a task its secrets (none: tasks get none). */
  sealer?: Sealer;
  /** The account's IAM (global, kept with the default region): task roles are assumed there. */
  iam?: IamDeps;
  /**
   * With --auth strict: a task's secrets are retrieved as its execution role, whose policies must
   * allow `ssm:GetParameters` / `secretsmanager:GetSecretValue` on each (else the task cannot start).
   */
  enforceIam?: boolean;
  /**
   * The names of berth's own registry in this region (its host and aliases): with IAM enforced,
   * an image there is pulled as the task's execution role, whose policies must allow it.
   */
  registryHosts?: () => readonly string[];
  /** Publishes a face's metrics (AWS/ECS) to CloudWatch metrics; none: nothing is published. */
  publishMetrics?: PublishMetrics;
  /** CloudWatch alarms' states, for deployment alarms (none: deployments watch no alarms). */
  alarmStates?: (names: readonly string[]) => { name: string; state: string; since: number }[];
  /** Another face's workloads on the same hosts (Kubernetes pods); none: hosts run ECS tasks only. */
  foreign?: ForeignWorkloads;
}

/** One datum of a metric, as CloudWatch's PutMetricData takes it. */
export type MetricDatumOut = MetricDatum;

export const now = (deps: ControlPlaneDeps): number => deps.clock.now().getTime();
