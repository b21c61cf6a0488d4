import { defineTable } from '../../store/index.js';
import type { StrategyItem } from '../capacity-providers.js';
import type { Tag } from '../tables.js';

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface Deployment {
  /** `ecs-svc/<19 digits>`; the tasks it starts carry it as `startedBy`. */
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinitionArn: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  /** Absent when the deployment launches through a capacity provider strategy. */
  launchType?: string;
  capacityProviderStrategy?: StrategyItem[];
  platformVersion?: string;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  networkConfiguration?: unknown;
  /** Tasks this deployment started that have not been accounted for as stopped yet. */
  tracked: string[];
  /** Tasks of this deployment seen to have held (stability.ts), the newest last. */
  held?: string[];
  /** A rollback's deployment: the id of the deployment it rolls back, and of the one it goes back to. */
  rollbackOf?: string;
  rollbackTo?: string;
  /**
   * Per entry of the service's `loadBalancers`: the target group this deployment's tasks are
   * registered in (a blue/green deployment's green tasks go to the group not taking production
   * traffic). Absent: the service's live groups.
   */
  targetGroups?: string[];
  /** A blue/green, linear or canary deployment's traffic shift (traffic-shift.ts). */
  shift?: TrafficShift;
  /** The deployment alarms that failed it. */
  triggeredAlarms?: string[];
  /** A shifted deployment rolled back: production went back to the deployment named. */
  rolledBackTo?: { id: string; reason: string; at: number };
}

/** The stages of a blue/green deployment, as service deployments name them. */
export type LifecycleStage =
  | 'RECONCILE_SERVICE'
  | 'PRE_SCALE_UP'
  | 'SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP';

/** One run of a lifecycle hook (PAUSE: it waits for ContinueServiceDeployment). */
export interface HookRun {
  id: string;
  /** The hook stage it ran at (PRE_PRODUCTION_TRAFFIC_SHIFT too) and which hook of the configuration. */
  stage: string;
  hook: number;
  targetType: 'PAUSE';
  status: 'AWAITING_ACTION' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  startedAt: number;
  expiresAt?: number;
  timeoutAction?: 'CONTINUE' | 'ROLLBACK';
  /** What ContinueServiceDeployment asked for, taken on the next pass. */
  action?: 'CONTINUE' | 'ROLLBACK';
}

export interface TrafficShift {
  stage: LifecycleStage;
  stageAt: number;
  /** The share of production traffic the new revision takes, 0 to 100. */
  percent: number;
  /** When the share last changed (linear and canary steps wait their bake time from it). */
  stepAt?: number;
  /** The deployment that served production when this one began (blue), and its target groups. */
  blue: string;
  blueGroups: string[];
  hooks: HookRun[];
}

export type DeploymentStrategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';

export interface LifecycleHook {
  targetType?: string;
  hookTargetArn?: string;
  roleArn?: string;
  lifecycleStages: string[];
  hookDetails?: unknown;
  timeoutConfiguration?: { timeoutInMinutes?: number; action?: 'CONTINUE' | 'ROLLBACK' };
}

export interface DeploymentConfiguration {
  minimumHealthyPercent: number;
  maximumPercent: number;
  deploymentCircuitBreaker: {
    enable: boolean;
    rollback: boolean;
    resetOnHealthyTask?: boolean;
    thresholdConfiguration?: { type: 'COUNT' | 'BOUNDED_PERCENT' | 'UNBOUNDED_PERCENT'; value: number };
  };
  alarms?: unknown;
  strategy?: DeploymentStrategy;
  bakeTimeInMinutes?: number;
  lifecycleHooks?: LifecycleHook[];
  linearConfiguration?: { stepPercent: number; stepBakeTimeInMinutes: number };
  canaryConfiguration?: { canaryPercent: number; canaryBakeTimeInMinutes: number };
}

export interface ServiceRecord {
  cluster: string;
  name: string;
  arn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinitionArn: string;
  desiredCount: number;
  /** Absent when the service launches through a capacity provider strategy. */
  launchType?: string;
  capacityProviderStrategy?: StrategyItem[];
  platformVersion?: string;
  schedulingStrategy: 'REPLICA' | 'DAEMON';
  deploymentConfiguration: DeploymentConfiguration;
  placementConstraints: { type?: string; expression?: string }[];
  placementStrategy: { type?: string; field?: string }[];
  networkConfiguration?: unknown;
  roleArn?: string;
  loadBalancers: unknown[];
  serviceRegistries: unknown[];
  healthCheckGracePeriodSeconds?: number;
  enableECSManagedTags: boolean;
  propagateTags: string;
  enableExecuteCommand: boolean;
  tags: Tag[];
  createdAt: number;
  createdBy: string;
  deployments: Deployment[];
  events: ServiceEvent[];
  /** Whether the last look found the service steady (so the event is said once per arrival). */
  steady: boolean;
  /** When "has reached a steady state" was last said (ECS says it again only after hours). */
  steadyEventAt?: number;
  /** Launches in a row whose tasks stopped before they held, and the throttle they set. */
  launchFailures?: number;
  nextLaunchAt?: number;
  /** The targets it registered with its load balancers' target groups, to deregister them later. */
  registeredTargets?: { targetGroupArn: string; id: string; port: number; taskId: string }[];
  /** Per `loadBalancers` entry, the target group taking production traffic after a blue/green deployment. */
  liveTargetGroups?: string[];
  /** When a DRAINING service was deleted (it is kept, INACTIVE, for a while, as ECS does). */
  deletedAt?: number;
}

// Listed by the service controller on every change of an instance (each task placed changes
// one): one frozen copy per revision serves those lists without a query.
export const services = defineTable<ServiceRecord>('ecs.services', (s) => `${s.cluster}/${s.name}`, {
  cache: true,
});

/** The task group of a service's tasks, as ECS names it: `service:<name>`. */
export { serviceGroup } from '../tables.js';

/** The service a task group names, if it is a service's. */
export const serviceOfGroup = (group: string): string | undefined =>
  group.startsWith('service:') ? group.slice('service:'.length) : undefined;
