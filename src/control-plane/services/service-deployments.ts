import { conflict, invalidParameter, notFound, notImplemented } from '../../kernel/index.js';
import type { WriteTx } from '../../store/index.js';
import { defineTable } from '../../store/index.js';
import type { ControlPlaneDeps } from '../deps.js';
import { now } from '../deps.js';
import { rollBack } from './deployments.js';
import {
  services,
  type Deployment,
  type DeploymentConfiguration,
  type HookRun,
  type LifecycleStage,
  type ServiceRecord,
} from './model.js';
import { markShiftRolledBack, restoreBlueTraffic } from './traffic-shift.js';

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'IN_PROGRESS'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

/** The configuration a deployment rolls out (ECS's service revision), kept as it was then. */
export interface ServiceRevision {
  arn: string;
  taskDefinition: string;
  launchType?: string;
  capacityProviderStrategy?: unknown[];
  platformVersion?: string;
  loadBalancers: unknown[];
  serviceRegistries: unknown[];
  networkConfiguration?: unknown;
  createdAt: number;
}

/** One service deployment, as ListServiceDeployments and DescribeServiceDeployments show it. */
export interface ServiceDeploymentRecord {
  /** `<cluster>/<service>/<id>`. */
  key: string;
  cluster: string;
  service: string;
  /** The deployment's `ecs-svc/…` id in the service record. */
  deploymentId: string;
  arn: string;
  createdAt: number;
  /** The store revision it was first written at: orders deployments made in the same millisecond. */
  sequence: number;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  stoppedAt?: number;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  target: ServiceRevision;
  sources: string[];
  counts: { requested: number; running: number; pending: number };
  deploymentConfiguration: DeploymentConfiguration;
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string };
  /** A traffic-shifting deployment's stage and the lifecycle hooks it ran. */
  lifecycleStage?: LifecycleStage;
  hooks?: HookRun[];
  /** The deployment alarms that failed it. */
  triggeredAlarms?: string[];
}

export const serviceDeployments = defineTable<ServiceDeploymentRecord>('ecs.service-deployments', (d) => d.key, {
  history: false,
});

const digits = (deploymentId: string) => deploymentId.slice(deploymentId.indexOf('/') + 1);
const base = (deps: ControlPlaneDeps) => `arn:aws:ecs:${deps.region}:${deps.accountId}`;
export const serviceRevisionArn = (deps: ControlPlaneDeps, s: ServiceRecord, d: Pick<Deployment, 'id'>) =>
  `${base(deps)}:service-revision/${s.cluster}/${s.name}/${digits(d.id)}`;
const deploymentArn = (deps: ControlPlaneDeps, s: ServiceRecord, d: Deployment) =>
  `${base(deps)}:service-deployment/${s.cluster}/${s.name}/${digits(d.id)}`;

function revisionOf(deps: ControlPlaneDeps, s: ServiceRecord, d: Deployment): ServiceRevision {
  return {
    arn: serviceRevisionArn(deps, s, d),
    taskDefinition: d.taskDefinitionArn,
    ...(d.launchType ? { launchType: d.launchType } : {}),
    ...(d.capacityProviderStrategy ? { capacityProviderStrategy: d.capacityProviderStrategy } : {}),
    ...(d.platformVersion ? { platformVersion: d.platformVersion } : {}),
    loadBalancers: s.loadBalancers,
    serviceRegistries: s.serviceRegistries,
    ...(d.networkConfiguration ? { networkConfiguration: d.networkConfiguration } : {}),
    createdAt: d.createdAt,
  };
}

/**
 * Writes a service with the service deployments its deployments are: a new deployment is a new
 * service deployment (its sources the revisions it replaces); its status follows the rollout
 * (IN_PROGRESS, SUCCESSFUL; a circuit-breaker or requested rollback ROLLBACK_IN_PROGRESS, then
 * ROLLBACK_SUCCESSFUL once the revision rolled back to is out); one replaced before it finished
 * is STOPPED. A rollback's own deployment is part of the deployment it rolls back.
 */
export function putServiceWithDeployments(deps: ControlPlaneDeps, tx: WriteTx, next: ServiceRecord): ServiceRecord {
  const prev = tx.get(services, `${next.cluster}/${next.name}`)?.value;
  const at = now(deps);
  const keyOf = (id: string) => `${next.cluster}/${next.name}/${digits(id)}`;
  const put = (was: ServiceDeploymentRecord | undefined, rec: ServiceDeploymentRecord) => {
    if (rec.status === 'SUCCESSFUL' || rec.status === 'ROLLBACK_SUCCESSFUL') rec.finishedAt = was?.finishedAt ?? at;
    if (rec.status === 'STOPPED' || rec.status === 'ROLLBACK_FAILED') rec.stoppedAt = was?.stoppedAt ?? at;
    rec.updatedAt = was && was.status === rec.status ? was.updatedAt : at;
    if (!was || JSON.stringify(was) !== JSON.stringify(rec)) tx.put(serviceDeployments, rec);
  };
  const rolledBack = new Set(next.deployments.map((d) => d.rollbackOf).filter((id): id is string => id !== undefined));
  for (const d of next.deployments) {
    if (d.rollbackOf) {
      // A rollback is the state of the deployment it rolls back, which it outlives in the service.
      const was = tx.get(serviceDeployments, keyOf(d.rollbackOf))?.value;
      if (!was) continue;
      const failed = next.deployments.find((x) => x.id === d.rollbackOf);
      put(was, {
        ...was,
        ...(failed?.triggeredAlarms ? { triggeredAlarms: failed.triggeredAlarms } : {}),
        status:
          d.rolloutState === 'COMPLETED'
            ? 'ROLLBACK_SUCCESSFUL'
            : d.rolloutState === 'FAILED'
              ? 'ROLLBACK_FAILED'
              : 'ROLLBACK_IN_PROGRESS',
        statusReason: d.rolloutStateReason,
        rollback: {
          reason: d.rolloutStateReason,
          startedAt: d.createdAt,
          serviceRevisionArn: serviceRevisionArn(deps, next, { id: d.rollbackTo ?? d.id }),
        },
      });
      continue;
    }
    if (rolledBack.has(d.id)) continue;
    const was = tx.get(serviceDeployments, keyOf(d.id))?.value;
    const status: ServiceDeploymentStatus = d.rolledBackTo
      ? 'ROLLBACK_IN_PROGRESS'
      : d.rolloutState === 'COMPLETED'
        ? 'SUCCESSFUL'
        : d.rolloutState === 'FAILED'
          ? 'STOPPED'
          : 'IN_PROGRESS';
    put(was, {
      key: keyOf(d.id),
      cluster: next.cluster,
      service: next.name,
      deploymentId: d.id,
      arn: deploymentArn(deps, next, d),
      createdAt: d.createdAt,
      sequence: was?.sequence ?? tx.revision,
      startedAt: d.createdAt,
      updatedAt: at,
      status,
      ...(d.rolloutState !== 'IN_PROGRESS' ? { statusReason: d.rolloutStateReason } : {}),
      ...(d.rolledBackTo
        ? {
            rollback: {
              reason: d.rolledBackTo.reason,
              startedAt: d.rolledBackTo.at,
              serviceRevisionArn: serviceRevisionArn(deps, next, { id: d.rolledBackTo.id }),
            },
          }
        : {}),
      ...(d.shift ? { lifecycleStage: d.shift.stage, hooks: d.shift.hooks } : {}),
      ...(d.triggeredAlarms ? { triggeredAlarms: d.triggeredAlarms } : {}),
      target: was?.target ?? revisionOf(deps, next, d),
      sources:
        was?.sources ??
        next.deployments.filter((o) => o !== d && !o.rollbackOf).map((o) => serviceRevisionArn(deps, next, o)),
      counts: { requested: d.desiredCount, running: d.runningCount, pending: d.pendingCount },
      deploymentConfiguration: next.deploymentConfiguration,
    });
  }
  // Deployments gone from the service: one that never finished was replaced by a newer one.
  for (const d of prev?.deployments ?? []) {
    if (d.rollbackOf || rolledBack.has(d.id) || next.deployments.some((n) => n.id === d.id)) continue;
    const was = tx.get(serviceDeployments, keyOf(d.id))?.value;
    if (was?.status === 'IN_PROGRESS')
      put(was, { ...was, status: 'STOPPED', statusReason: 'Service deployment was superseded by a newer one.' });
    // A traffic shift rolled back is done once its green tasks are gone.
    if (was?.status === 'ROLLBACK_IN_PROGRESS' && d.rolledBackTo) put(was, { ...was, status: 'ROLLBACK_SUCCESSFUL' });
  }
  return tx.put(services, next).value;
}

export function listServiceDeployments(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  status?: readonly string[],
  created?: { before?: Date; after?: Date },
): ServiceDeploymentRecord[] {
  return deps.store
    .read((tx) => tx.list(serviceDeployments, { prefix: `${s.cluster}/${s.name}/` }))
    .map((e) => e.value)
    .filter((d) => !status?.length || status.includes(d.status))
    .filter((d) => !created?.before || d.createdAt < created.before.getTime())
    .filter((d) => !created?.after || d.createdAt > created.after.getTime())
    .sort((a, b) => b.createdAt - a.createdAt || b.sequence - a.sequence);
}

/** A service deployment by its ARN (`…:service-deployment/<cluster>/<service>/<id>`). */
export function findServiceDeployment(deps: ControlPlaneDeps, arn: string): ServiceDeploymentRecord | undefined {
  const m = /^arn:aws:ecs:[^:]+:\d{12}:service-deployment\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(arn);
  if (!m) return undefined;
  const d = deps.store.read((tx) => tx.get(serviceDeployments, `${m[1]}/${m[2]}/${m[3]}`)?.value);
  return d?.arn === arn ? d : undefined;
}

/** The revisions service deployments name, by ARN. */
export function findServiceRevision(deps: ControlPlaneDeps, arn: string): ServiceRevision | undefined {
  const m = /^arn:aws:ecs:[^:]+:\d{12}:service-revision\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(arn);
  if (!m) return undefined;
  const all = deps.store.read((tx) => tx.list(serviceDeployments, { prefix: `${m[1]}/${m[2]}/` })).map((e) => e.value);
  return all.find((d) => d.target.arn === arn)?.target;
}

/**
 * StopServiceDeployment with ROLLBACK: a deployment in progress is rolled back to the last revision
 * that completed, as the circuit breaker does it. ABORT is not served.
 */
export async function stopServiceDeployment(
  deps: ControlPlaneDeps,
  arn: string,
  stopType?: string,
): Promise<ServiceDeploymentRecord> {
  if (stopType === 'ABORT') throw notImplemented('StopServiceDeployment with stopType ABORT');
  const rec = findServiceDeployment(deps, arn);
  if (!rec) throw notFound(`The service deployment ${arn} does not exist.`, { resource: 'service-deployment' });
  const shifted = await deps.store.transact((tx) => {
    const cur = tx.get(services, `${rec.cluster}/${rec.service}`)?.value;
    const s = cur && structuredClone(cur);
    const from = s?.deployments.find((x) => x.id === rec.deploymentId);
    if (!s || !from || from.status !== 'PRIMARY' || from.rolloutState !== 'IN_PROGRESS')
      throw conflict(`The service deployment ${arn} is not in progress; only one in progress can be stopped.`, {
        reason: 'not-in-progress',
      });
    const reason = (to: string) => `Service deployment rolled back on request: rolling back to deploymentId ${to}.`;
    if (from.shift && markShiftRolledBack(s, from, reason(from.shift.blue), now(deps))) {
      s.steady = false;
      putServiceWithDeployments(deps, tx, s);
      return { s, from };
    }
    const to = s.deployments.find((x) => x !== from && x.rolloutState === 'COMPLETED');
    if (!to)
      throw conflict(`The service deployment ${arn} has no earlier completed revision to roll back to.`, {
        reason: 'not-in-progress',
      });
    from.rolloutState = 'FAILED';
    from.rolloutStateReason = `ECS deployment ${from.id} stopped: a rollback was requested.`;
    rollBack(deps, s, from, to, reason(to.id));
    s.steady = false;
    putServiceWithDeployments(deps, tx, s);
    return undefined;
  });
  // Traffic goes back to blue once the rollback is recorded (the rules are the load balancer's).
  if (shifted) await restoreBlueTraffic(deps, shifted.s, shifted.from);
  return findServiceDeployment(deps, arn) as ServiceDeploymentRecord;
}

/**
 * ContinueServiceDeployment: a deployment paused at a PAUSE lifecycle hook goes on (CONTINUE) or
 * rolls back (ROLLBACK) on its next pass.
 */
export async function continueServiceDeployment(
  deps: ControlPlaneDeps,
  arn: string,
  hookId: string | undefined,
  action: 'CONTINUE' | 'ROLLBACK' = 'CONTINUE',
): Promise<ServiceDeploymentRecord> {
  const rec = findServiceDeployment(deps, arn);
  if (!rec) throw notFound(`The service deployment ${arn} does not exist.`, { resource: 'service-deployment' });
  await deps.store.transact((tx) => {
    const cur = tx.get(services, `${rec.cluster}/${rec.service}`)?.value;
    const s = cur && structuredClone(cur);
    const d = s?.deployments.find((x) => x.id === rec.deploymentId);
    const run = d?.shift?.hooks.find(
      (h) => h.status === 'AWAITING_ACTION' && !h.action && (!hookId || h.id === hookId),
    );
    if (!s || !run)
      throw invalidParameter(
        hookId
          ? `The lifecycle hook ${hookId} of service deployment ${arn} is not awaiting action.`
          : `The service deployment ${arn} is not paused at a lifecycle hook.`,
        { field: 'hookId' },
      );
    run.action = action;
    tx.put(services, s);
  });
  return findServiceDeployment(deps, arn) as ServiceDeploymentRecord;
}
