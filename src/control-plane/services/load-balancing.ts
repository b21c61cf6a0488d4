import { invalidParameter, notImplemented } from '../../kernel/index.js';
import {
  deregisterTargets,
  loadBalancersByTargetGroup,
  describeTargetHealth,
  registerTargets,
  targetGroupByArn,
  type ElbDeps,
  type TargetGroupRecord,
} from '../../elb/index.js';
import { hostAddressOf } from '../container-instances.js';
import type { ControlPlaneDeps } from '../deps.js';
import { stopTask } from '../tasks/tasks.js';
import { tasks, type ContainerInstanceRecord, type TaskDefinitionRecord, type TaskRecord } from '../tables.js';
import { putTask } from '../tasks/put-task.js';
import { addEvent } from './events.js';
import type { ServiceRecord } from './model.js';

/** A service's `loadBalancers` entry (target groups only: Classic Load Balancers are not served). */
export interface ServiceLoadBalancer {
  targetGroupArn?: string;
  loadBalancerName?: string;
  containerName?: string;
  containerPort?: number;
}

/** A target a service registered for one of its tasks. */
export interface RegisteredTarget {
  targetGroupArn: string;
  id: string;
  port: number;
  taskId: string;
}

/** The region's load balancers, their `instance` targets resolved to this region's hosts. */
export function loadBalancerDeps(deps: ControlPlaneDeps): ElbDeps {
  const { store, clock, accountId, region } = deps;
  return {
    store,
    clock,
    accountId,
    region,
    hosts: { addressOf: (id) => hostAddressOf(deps, id) },
    ...(deps.publishMetrics ? { publishMetrics: deps.publishMetrics } : {}),
  };
}

/**
 * Where a task is reached for one load balancer entry: an `ip` target group takes the task's own
 * address and the container port (awsvpc); an `instance` one the host's instance id and the host
 * port the container port is bound to (bridge, host).
 */
function targetOf(
  t: TaskRecord,
  tg: TargetGroupRecord,
  lb: ServiceLoadBalancer,
  host: ContainerInstanceRecord | undefined,
): { id: string; port: number } | undefined {
  const c = t.containers.find((x) => x.name === lb.containerName);
  if (!c) return undefined;
  if (tg.targetType === 'ip') {
    const ip = c.networkInterfaces[0]?.privateIpv4Address;
    return ip && lb.containerPort ? { id: ip, port: lb.containerPort } : undefined;
  }
  const b = c.networkBindings.find((x) => x.containerPort === lb.containerPort);
  const id = host?.ec2InstanceId ?? host?.id;
  return b?.hostPort && id ? { id, port: b.hostPort } : undefined;
}

type TargetHealthOut = ReturnType<typeof describeTargetHealth>[number];

const same = (a: RegisteredTarget, b: RegisteredTarget) =>
  a.targetGroupArn === b.targetGroupArn && a.id === b.id && a.port === b.port;

/**
 * Keeps a service's target groups in step with its tasks, as ECS does: a task RUNNING (and
 * wanted) is registered; one being stopped, or gone, is deregistered (and drains for the group's
 * deregistration delay). A RUNNING task its target group reports unhealthy past the service's
 * health check grace period is stopped and replaced. Returns whether each live task's targets
 * are healthy (deployments count a task healthy only then) and the tasks it stopped.
 */
export async function syncTargets(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  mine: readonly TaskRecord[],
  host: (t: TaskRecord) => ContainerInstanceRecord | undefined,
  at: number,
): Promise<{ healthy: Map<string, boolean>; stopped: string[] }> {
  const healthy = new Map<string, boolean>();
  const stopped: string[] = [];
  const entries = (s.loadBalancers as ServiceLoadBalancer[]).filter((l) => l.targetGroupArn);
  const had = s.registeredTargets ?? [];
  if (entries.length === 0 && had.length === 0) return { healthy, stopped };
  const elb = loadBalancerDeps(deps);
  const keep: RegisteredTarget[] = [];
  const registered = new Map<string, number>();
  const deregistered = new Map<string, number>();
  const count = (m: Map<string, number>, arn: string) => m.set(arn, (m.get(arn) ?? 0) + 1);
  const grace = (s.healthCheckGracePeriodSeconds ?? 0) * 1000;
  // Each group's health is read once a pass (both loops below use it).
  const healthByGroup = new Map<string, Map<string, TargetHealthOut>>();
  const healthOf = (arn: string) => {
    let m = healthByGroup.get(arn);
    if (!m)
      healthByGroup.set(arn, (m = new Map(describeTargetHealth(elb, arn).map((h) => [`${h.targetId}/${h.port}`, h]))));
    return m;
  };
  // Each task registers in its deployment's target group for an entry (a blue/green deployment's
  // green tasks in the group not taking production traffic), else in the service's live one.
  const groups = new Map<string, TargetGroupRecord | undefined>();
  const groupOf = (arn: string) => {
    if (!groups.has(arn)) {
      try {
        groups.set(arn, targetGroupByArn(elb, arn));
      } catch {
        groups.set(arn, undefined); // a target group deleted under the service: nothing to register with
      }
    }
    return groups.get(arn);
  };
  const deploymentOf = new Map(s.deployments.map((d) => [d.id, d]));
  for (const [i, lb] of entries.entries()) {
    for (const t of mine) {
      if (t.desiredStatus !== 'RUNNING' || t.lastStatus !== 'RUNNING') continue;
      const arn =
        deploymentOf.get(t.startedBy ?? '')?.targetGroups?.[i] ??
        s.liveTargetGroups?.[i] ??
        (lb.targetGroupArn as string);
      const tg = groupOf(arn);
      if (!tg) continue;
      const health = healthOf(tg.arn);
      const target = targetOf(t, tg, lb, host(t));
      if (!target) continue;
      const reg = { targetGroupArn: tg.arn, ...target, taskId: t.id };
      const h = health.get(`${target.id}/${target.port}`);
      if (!h || h.state === 'draining') {
        await registerTargets(elb, tg.arn, [{ Id: target.id, Port: target.port }]);
        count(registered, tg.arn);
      }
      keep.push(reg);
      const isHealthy = h?.state === 'healthy' || h?.state === 'unavailable';
      healthy.set(t.id, (healthy.get(t.id) ?? true) && isHealthy);
      if (h?.state === 'unhealthy' && at - (t.startedAt ?? t.createdAt) >= grace && !stopped.includes(t.id)) {
        stopped.push(t.id);
        await stopTask(
          deps,
          s.cluster,
          t.id,
          `Task failed ELB health checks in (target-group ${tg.arn})`,
          'ServiceSchedulerInitiated',
        );
        addEvent(
          s,
          `(service ${s.name}) (instance ${target.id}) (port ${target.port}) is unhealthy in (target-group ${tg.arn}) due to (reason ${h.description ?? 'Health checks failed'}).`,
          at,
        );
      }
    }
  }
  // What the service registered before and no longer wants there: deregistered (it drains).
  for (const r of had) {
    if (keep.some((k) => same(k, r))) continue;
    try {
      const tg = targetGroupByArn(elb, r.targetGroupArn);
      const h = healthOf(tg.arn).get(`${r.id}/${r.port}`);
      if (h && h.state !== 'draining') {
        await deregisterTargets(elb, tg.arn, [{ Id: r.id, Port: r.port }]);
        count(deregistered, tg.arn);
      }
    } catch {
      // the target group is gone, and its targets with it
    }
  }
  // ECS says what it did in the service's events, one line per target group.
  for (const [arn, n] of registered)
    addEvent(s, `(service ${s.name}) registered ${n} targets in (target-group ${arn})`, at);
  for (const [arn, n] of deregistered)
    addEvent(s, `(service ${s.name}) deregistered ${n} targets in (target-group ${arn})`, at);
  s.registeredTargets = keep;
  return { healthy, stopped };
}

/**
 * A service's `loadBalancers`, checked as ECS checks them: each names a target group that exists
 * and has a load balancer, and a container of the task definition with that port mapped; the
 * target type fits the network mode (awsvpc needs `ip`). Classic Load Balancers are refused.
 */
export function checkServiceLoadBalancers(
  deps: ControlPlaneDeps,
  lbs: readonly unknown[],
  td: TaskDefinitionRecord,
): void {
  const mode = (td.input.networkMode as string | undefined) ?? 'bridge';
  const containers = (td.input.containerDefinitions ?? []) as {
    name?: string;
    portMappings?: { containerPort?: number }[];
  }[];
  const elb = loadBalancerDeps(deps);
  const bad = (message: string, i: number, field: string) =>
    invalidParameter(message, { field: `loadBalancers[${i}].${field}` });
  (lbs as ServiceLoadBalancer[]).forEach((lb, i) => {
    if (lb.loadBalancerName && !lb.targetGroupArn) throw notImplemented('Classic Load Balancers (loadBalancerName)');
    if (!lb.targetGroupArn) throw bad('Target group ARN must be specified.', i, 'targetGroupArn');
    let tg: TargetGroupRecord;
    try {
      tg = targetGroupByArn(elb, lb.targetGroupArn);
    } catch {
      throw bad(`Unable to find target group '${lb.targetGroupArn}'.`, i, 'targetGroupArn');
    }
    if (!loadBalancersByTargetGroup(elb).has(tg.arn))
      throw bad(
        `The target group with targetGroupArn ${tg.arn} does not have an associated load balancer.`,
        i,
        'targetGroupArn',
      );
    if (mode === 'awsvpc' && tg.targetType !== 'ip')
      throw bad(
        `The provided target group ${tg.arn} has target type instance, which is incompatible with the awsvpc network mode specified in the task definition.`,
        i,
        'targetGroupArn',
      );
    const c = containers.find((x) => x.name === lb.containerName);
    if (!c)
      throw bad(`The container ${lb.containerName ?? ''} does not exist in the task definition.`, i, 'containerName');
    if (!c.portMappings?.some((p) => p.containerPort === lb.containerPort))
      throw bad(
        `The container ${c.name ?? ''} did not have a container port ${lb.containerPort ?? ''} defined.`,
        i,
        'containerPort',
      );
  });
}

/**
 * How long a task of the service drains from its target groups before it stops: the longest
 * deregistration delay among the groups it is registered in; undefined when it is in none.
 */
export function drainTimeMs(deps: ControlPlaneDeps, s: ServiceRecord, taskId: string): number | undefined {
  const groups = new Set((s.registeredTargets ?? []).filter((r) => r.taskId === taskId).map((r) => r.targetGroupArn));
  if (groups.size === 0) return undefined;
  const elb = loadBalancerDeps(deps);
  let ms = 0;
  for (const arn of groups) {
    try {
      const tg = targetGroupByArn(elb, arn);
      ms = Math.max(ms, Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? '300') * 1000);
    } catch {
      // a deleted group has nothing to drain
    }
  }
  return ms;
}

/** Marks a task DEACTIVATING until `until`; the service's pass stops it then. */
export async function deactivate(
  deps: ControlPlaneDeps,
  cluster: string,
  taskId: string,
  until: number,
  reason: string,
): Promise<void> {
  await deps.store.transact((tx) => {
    const t = tx.get(tasks, `${cluster}/${taskId}`)?.value;
    if (!t || t.desiredStatus !== 'RUNNING' || t.deactivating) return;
    putTask(tx, { ...t, deactivating: { until, reason }, version: t.version + 1 });
  });
}

/** Tasks whose draining has ended are stopped, for the reason they were deactivated for. */
export async function stopDrained(
  deps: ControlPlaneDeps,
  cluster: string,
  live: readonly TaskRecord[],
  at: number,
): Promise<void> {
  for (const t of live)
    if (t.deactivating && t.desiredStatus === 'RUNNING' && at >= t.deactivating.until)
      await stopTask(deps, cluster, t.id, t.deactivating.reason, 'ServiceSchedulerInitiated');
}

/** A task as the service's pass sees it: one draining from its load balancers is stopping. */
export const asSeen = (t: TaskRecord): TaskRecord =>
  t.deactivating && t.desiredStatus === 'RUNNING' ? { ...t, desiredStatus: 'STOPPED' } : t;
