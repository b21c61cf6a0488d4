import type { Logger } from '../../kernel/index.js';
import type { ControlPlaneDeps } from '../deps.js';
import { now } from '../deps.js';
import { liveTasks, tasks, type ContainerInstanceRecord, type TaskRecord } from '../tables.js';
import { resolveTaskDefinition } from '../task-definitions/task-definitions.js';
import { stopTask } from '../tasks/tasks.js';
import { daemonPass } from './daemon.js';
import { addEvent, messages, SIX_HOURS } from './events.js';
import { fleetHosts, hostOfTask, instancesOf, isLost, markLost } from './hosts.js';
import { serviceGroup, services, type Deployment, type ServiceRecord } from './model.js';
import { hasHeld, heldBeforeStopping, isFailure, mayLaunch, recordHeld, recordLaunchFailure } from './stability.js';
import { reportStarts, startServiceTasks, stopServiceTasks } from './service-tasks.js';
import { planStep } from './rollout.js';
import { putServiceWithDeployments } from './service-deployments.js';
import { asSeen, stopDrained, syncTargets } from './load-balancing.js';
import { beginShift, rollBackShift, shiftStep } from './traffic-shift.js';
import { detectFailure } from './failure-detection.js';

const PENDING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

const shortId = (t: TaskRecord) => t.id;

function hasHealthChecks(deps: ControlPlaneDeps, cache: Map<string, boolean>, tdArn: string): boolean {
  let v = cache.get(tdArn);
  if (v === undefined) {
    const defs = (resolveTaskDefinition(deps, tdArn).input.containerDefinitions ?? []) as { healthCheck?: unknown }[];
    v = defs.some((c) => c.healthCheck !== undefined);
    cache.set(tdArn, v);
  }
  return v;
}

/** The cluster's tasks that have not stopped, read once per pass. */
function liveTasksOf(deps: ControlPlaneDeps, cluster: string): TaskRecord[] {
  return deps.store.read((tx) =>
    tx
      .list(liveTasks, { prefix: `${cluster}/` })
      .map((e) => tx.get(tasks, `${cluster}/${e.value.taskId}`)?.value)
      .filter((t): t is TaskRecord => t !== undefined),
  );
}

/**
 * One level-triggered pass over one service: account for tasks that stopped, replace unhealthy
 * ones, trip the circuit breaker, take one rollout step within the deployment bounds, then record
 * counts, completion, steady state and events. Everything here is synchronous against the store,
 * so no API call interleaves with a pass.
 */
export async function reconcileService(
  deps: ControlPlaneDeps,
  svc: ServiceRecord,
  live: TaskRecord[],
): Promise<ServiceRecord> {
  const s: ServiceRecord = structuredClone(svc);
  const at = now(deps);
  const instances = instancesOf(deps, s.cluster);
  const fleet = fleetHosts(deps);
  const host = (t: TaskRecord) => hostOfTask(instances, fleet, t);
  // Tasks whose agent has been gone past the grace period are written off and replaced.
  const lost = live.filter((t) => t.group === serviceGroup(s.name) && isLost(deps, t, host(t)));
  for (const t of lost) await markLost(deps, t);
  // Tasks done draining from their load balancers stop now; those still draining count as stopping.
  await stopDrained(
    deps,
    s.cluster,
    live.filter((t) => t.group === serviceGroup(s.name)),
    at,
  );
  let mine = live.filter((t) => t.group === serviceGroup(s.name) && !lost.includes(t)).map(asSeen);
  // Tasks this pass stops, seen as stopping by the rest of the pass (records read are frozen).
  const stopping = (ids: readonly string[]) => {
    mine = mine.map((t) => (ids.includes(t.id) ? { ...t, desiredStatus: 'STOPPED' as const } : t));
  };
  const primary = s.deployments.find((d) => d.status === 'PRIMARY') as Deployment;
  const wanted = (t: TaskRecord) => t.desiredStatus === 'RUNNING';

  // Tasks a deployment started that are gone. While the deployment is in progress every one that
  // stopped on its own is a failure (one that never ran, or an essential container that exited);
  // one that stopped before it held also slows the service's launches (stability.ts).
  const liveIds = new Set(mine.map((t) => t.id));
  for (const d of s.deployments) {
    const gone = d.tracked.filter((id) => !liveIds.has(id));
    for (const id of gone) {
      const t = deps.store.read((tx) => tx.get(tasks, `${s.cluster}/${id}`))?.value;
      if (!t || !isFailure(t)) continue;
      const held = heldBeforeStopping(deps, t);
      if (!t.startedAt || d.rolloutState === 'IN_PROGRESS') d.failedTasks++;
      if (!held) recordLaunchFailure(s, at);
    }
    d.tracked = d.tracked.filter((id) => liveIds.has(id));
  }

  // Unhealthy tasks are replaced once past the health check grace period.
  const grace = (s.healthCheckGracePeriodSeconds ?? 0) * 1000;
  const sick = mine.filter(
    (t) => wanted(t) && t.healthStatus === 'UNHEALTHY' && at - (t.startedAt ?? t.createdAt) >= grace,
  );
  for (const t of sick) {
    await stopTask(deps, s.cluster, t.id, 'Task failed container health checks', 'ServiceSchedulerInitiated');
    if (t.startedBy === primary.id) primary.failedTasks++;
  }
  stopping(sick.map(shortId));
  if (sick.length) addEvent(s, messages.unhealthy(s.name, sick.map(shortId)), at);

  // Load balancers: running tasks registered, stopping ones deregistered, unhealthy ones replaced.
  const { healthy: targetHealth, stopped: failedElb } = await syncTargets(deps, s, mine, host, at);
  for (const t of mine.filter((x) => failedElb.includes(x.id))) if (t.startedBy === primary.id) primary.failedTasks++;
  stopping(failedElb);
  if (failedElb.length) addEvent(s, messages.stopped(s.name, failedElb), at);

  // Tasks that have now held reset the breaker's count (by default) and end any throttle.
  const cb = s.deploymentConfiguration.deploymentCircuitBreaker;
  const isHealthy = isHealthyIn(deps, s, primary, targetHealth);
  for (const d of s.deployments) {
    const held = mine.filter((t) => t.startedBy === d.id && wanted(t) && hasHeld(deps, t, isHealthy(t), at));
    recordHeld(s, d, held, cb.resetOnHealthyTask);
  }

  // The circuit breaker and the deployment alarms.
  if (await detectFailure(deps, s, primary, at)) return s;

  const desired =
    s.status !== 'ACTIVE'
      ? 0
      : s.schedulingStrategy === 'DAEMON'
        ? await daemonPass(deps, s, primary, mine, instances, at)
        : s.desiredCount;
  if (s.schedulingStrategy === 'REPLICA' && (await beginShift(deps, s, primary, mine, at))) {
    const step = await shiftStep(deps, s, primary, mine, desired, isHealthy, at);
    if (step.rollback && (await rollBackShift(deps, s, primary, step.rollback, at))) return s;
    await stopServiceTasks(deps, s, primary, step.stop, at);
    if (step.start > 0 && mayLaunch(s, at)) await startTasks(deps, s, primary, step.start, at);
  } else if (s.schedulingStrategy === 'REPLICA' || s.status !== 'ACTIVE')
    await replicaStep(deps, s, primary, mine, desired, host, isHealthy, at);

  // Counts, completion and steady state, from what is live now.
  const after = liveTasksOf(deps, s.cluster)
    .filter((t) => t.group === serviceGroup(s.name))
    .map(asSeen);
  for (const d of s.deployments) {
    const ts = after.filter((t) => t.startedBy === d.id && wanted(t));
    const running = ts.filter((t) => t.lastStatus === 'RUNNING').length;
    const pending = ts.filter((t) => PENDING.has(t.lastStatus)).length;
    if (running !== d.runningCount || pending !== d.pendingCount) {
      d.runningCount = running;
      d.pendingCount = pending;
      d.updatedAt = at;
    }
    if (d.status === 'PRIMARY') d.desiredCount = desired;
  }
  // Complete only once the primary's tasks have held: a revision that crashes just after it starts
  // never completes (and its stops trip the breaker).
  const primaryDone =
    after.filter((t) => t.startedBy === primary.id && wanted(t) && hasHeld(deps, t, isHealthy(t), at)).length ===
      desired &&
    after.filter((t) => t.startedBy === primary.id && wanted(t)).length === desired &&
    after.every((t) => t.startedBy === primary.id);
  if (primaryDone) {
    s.deployments = s.deployments.filter((d) => d === primary);
    if (primary.rolloutState === 'IN_PROGRESS') {
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
      addEvent(s, messages.completed(s.name, primary.id), at);
      delete s.steadyEventAt;
    }
    // Said once the service is steady after a change (a deployment, a new desired count) and every
    // six hours while it stays so; a task replaced now and then is no news.
    if (s.status === 'ACTIVE' && (s.steadyEventAt === undefined || at - s.steadyEventAt >= SIX_HOURS)) {
      addEvent(s, messages.steady(s.name), at);
      s.steadyEventAt = at;
    }
    s.steady = true;
  } else {
    s.steady = false;
  }
  if (s.status === 'DRAINING' && after.length === 0) s.status = 'INACTIVE';
  return s;
}

async function startTasks(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  d: Deployment,
  n: number,
  at: number,
): Promise<void> {
  const started: string[] = [];
  let refusal: string | undefined;
  for (let left = n; left > 0 && !refusal; left -= 10) {
    const r = await startServiceTasks(deps, s, d, Math.min(10, left));
    started.push(...r.started);
    refusal = r.refusal;
  }
  reportStarts(s, d, started, refusal, at);
}

/** Every service, one pass each; a service whose record did not change is not written. */
/** One service's sync, by its key (`cluster/name`): a pass, written back only if it changed. */
export async function syncService(deps: ControlPlaneDeps, key: string): Promise<void> {
  const svc = deps.store.read((tx) => tx.get(services, key))?.value;
  if (!svc || svc.status === 'INACTIVE') return;
  const next = await reconcileService(deps, svc, liveTasksOf(deps, svc.cluster));
  if (JSON.stringify(next) !== JSON.stringify(svc))
    await deps.store.transact((tx) => putServiceWithDeployments(deps, tx, next));
}

/** A pass over every service (tests; the controller syncs them one key at a time). */
export async function reconcileAll(deps: ControlPlaneDeps, logger?: Logger): Promise<void> {
  for (const { key } of deps.store.read((tx) => tx.list(services))) {
    try {
      await syncService(deps, key);
    } catch (e) {
      logger?.error({ service: key, err: String(e) }, 'service pass failed');
    }
  }
}

/** One rolling step of a REPLICA service (or of any service draining to zero). */
async function replicaStep(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  primary: Deployment,
  mine: TaskRecord[],
  desired: number,
  host: (t: TaskRecord) => ContainerInstanceRecord | undefined,
  isHealthy: (t: TaskRecord) => boolean,
  at: number,
): Promise<void> {
  const wanted = (t: TaskRecord) => t.desiredStatus === 'RUNNING';
  // Tasks on an instance that is no longer ACTIVE (draining) are replaced like an old deployment's.
  const movable = (t: TaskRecord) => host(t)?.status !== 'ACTIVE';
  const prim = mine.filter((t) => wanted(t) && t.startedBy === primary.id && !movable(t));
  const old = mine.filter((t) => wanted(t) && (t.startedBy !== primary.id || movable(t)));
  const step = planStep({
    desired,
    minimumHealthyPercent: s.deploymentConfiguration.minimumHealthyPercent,
    maximumPercent: s.deploymentConfiguration.maximumPercent,
    primaryHealthy: prim.filter(isHealthy).length,
    primaryOther: prim.filter((t) => !isHealthy(t)).length,
    oldHealthy: old.filter(isHealthy).length,
    oldOther: old.filter((t) => !isHealthy(t)).length,
    stopping: mine.filter((t) => !wanted(t)).length,
  });
  // Oldest deployments' tasks go first.
  const age = (t: TaskRecord) => -s.deployments.findIndex((d) => d.id === t.startedBy);
  const pick = (list: TaskRecord[], n: number) => [...list].sort((a, b) => age(a) - age(b)).slice(0, n);
  const stops = [
    ...pick(
      old.filter((t) => !isHealthy(t)),
      step.stopOldOther,
    ),
    ...pick(old.filter(isHealthy), step.stopOldHealthy),
    ...prim.filter((t) => !isHealthy(t)).slice(0, step.stopPrimaryOther),
    ...prim.filter(isHealthy).slice(0, step.stopPrimaryHealthy),
  ];
  await stopServiceTasks(deps, s, primary, stops, at);
  if (primary.rolloutState !== 'FAILED' && step.start > 0 && mayLaunch(s, at))
    await startTasks(deps, s, primary, step.start, at);
}

/** Healthy as a rollout counts it: RUNNING and, where the definition has health checks, HEALTHY. */
function isHealthyIn(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  primary: Deployment,
  targetHealth: ReadonlyMap<string, boolean>,
): (t: TaskRecord) => boolean {
  const hc = new Map<string, boolean>();
  return (t) => {
    const d = s.deployments.find((x) => x.id === t.startedBy) ?? primary;
    return (
      t.desiredStatus === 'RUNNING' &&
      t.lastStatus === 'RUNNING' &&
      (!hasHealthChecks(deps, hc, d.taskDefinitionArn) || t.healthStatus === 'HEALTHY') &&
      // A task behind a load balancer is healthy once its targets are.
      (s.registeredTargets?.some((r) => r.taskId === t.id) ? targetHealth.get(t.id) === true : true)
    );
  };
}
