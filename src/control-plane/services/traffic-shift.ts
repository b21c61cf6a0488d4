import { invalidParameter, uuid } from '../../kernel/index.js';
import { forwardWeights, setForwardWeights, targetGroupByArn, type ElbDeps } from '../../elb/index.js';
import type { ControlPlaneDeps } from '../deps.js';
import type { TaskRecord } from '../tables.js';
import { addEvent, messages } from './events.js';
import { loadBalancerDeps, type ServiceLoadBalancer } from './load-balancing.js';
import type { Deployment, HookRun, LifecycleStage, ServiceRecord, TrafficShift } from './model.js';
import { shiftsTraffic } from './strategy-config.js';

/** A `loadBalancers` entry of a service that shifts traffic between two target groups. */
interface ShiftEntry extends ServiceLoadBalancer {
  advancedConfiguration?: {
    alternateTargetGroupArn?: string;
    productionListenerRule?: string;
    testListenerRule?: string;
    roleArn?: string;
  };
}

const entriesOf = (s: Pick<ServiceRecord, 'loadBalancers'>) =>
  (s.loadBalancers as ShiftEntry[]).filter((l) => l.targetGroupArn);

/** ELB weights are whole numbers up to 999: a share in tenths of a percent fits. */
const weightsFor = (percent: number) => {
  const green = Math.round(percent * 9.99);
  return { green, blue: 999 - green };
};

/**
 * A traffic-shifting service's load balancers, checked as ECS checks them: every target group
 * entry names an alternate target group and a production listener rule (or, for a network load
 * balancer, a listener) that forwards to one of the two.
 */
export function checkShiftLoadBalancers(deps: ControlPlaneDeps, lbs: readonly unknown[]): void {
  const elb = loadBalancerDeps(deps);
  (lbs as ShiftEntry[]).forEach((lb, i) => {
    if (!lb.targetGroupArn) return;
    const at = (f: string) => ({ field: `loadBalancers[${i}].advancedConfiguration${f ? `.${f}` : ''}` });
    const a = lb.advancedConfiguration;
    if (!a?.alternateTargetGroupArn || !a.productionListenerRule)
      throw invalidParameter(
        'advancedConfiguration with alternateTargetGroupArn and productionListenerRule is required for the BLUE_GREEN, LINEAR and CANARY deployment strategies.',
        at(''),
      );
    if (a.alternateTargetGroupArn === lb.targetGroupArn)
      throw invalidParameter(
        'The alternate target group must differ from the target group.',
        at('alternateTargetGroupArn'),
      );
    try {
      targetGroupByArn(elb, a.alternateTargetGroupArn);
    } catch {
      throw invalidParameter(
        `Unable to find target group '${a.alternateTargetGroupArn}'.`,
        at('alternateTargetGroupArn'),
      );
    }
    for (const [f, arn] of [
      ['productionListenerRule', a.productionListenerRule],
      ['testListenerRule', a.testListenerRule],
    ] as const) {
      if (!arn) continue;
      let groups: string[];
      try {
        groups = forwardWeights(elb, arn).map((w) => w.arn);
      } catch {
        throw invalidParameter(`Unable to find listener rule '${arn}'.`, at(f));
      }
      if (!groups.includes(lb.targetGroupArn) && !groups.includes(a.alternateTargetGroupArn))
        throw invalidParameter(
          `The listener rule ${arn} does not forward to target group ${lb.targetGroupArn} or ${a.alternateTargetGroupArn}.`,
          at(f),
        );
    }
  });
}

/** The group of a pair that takes a rule's traffic now: the heavier (the entry's own on a tie). */
function liveGroup(elb: ElbDeps, e: ShiftEntry): string {
  const a = e.advancedConfiguration;
  if (!a?.productionListenerRule || !a.alternateTargetGroupArn) return e.targetGroupArn as string;
  const w = new Map(forwardWeights(elb, a.productionListenerRule).map((x) => [x.arn, x.weight]));
  return (w.get(a.alternateTargetGroupArn) ?? 0) > (w.get(e.targetGroupArn as string) ?? 0)
    ? a.alternateTargetGroupArn
    : (e.targetGroupArn as string);
}

const otherOf = (e: ShiftEntry, live: string) =>
  e.advancedConfiguration?.alternateTargetGroupArn && live === e.targetGroupArn
    ? e.advancedConfiguration.alternateTargetGroupArn
    : (e.targetGroupArn as string);

/** Points each entry's rule (production or test) at green for `percent` of its traffic. */
async function shiftRules(
  elb: ElbDeps,
  s: ServiceRecord,
  d: Deployment,
  which: 'production' | 'test',
  percent: number,
) {
  const { green, blue } = weightsFor(percent);
  for (const [i, e] of entriesOf(s).entries()) {
    const rule =
      which === 'production'
        ? e.advancedConfiguration?.productionListenerRule
        : e.advancedConfiguration?.testListenerRule;
    const g = d.targetGroups?.[i];
    const b = d.shift?.blueGroups[i];
    if (!rule || !g || !b || g === b) continue;
    try {
      await setForwardWeights(elb, rule, [
        { arn: b, weight: blue },
        { arn: g, weight: green },
      ]);
    } catch {
      // a rule deleted under the service: nothing to shift there
    }
  }
}

/**
 * Starts a traffic-shifting deployment when the service has a revision serving (blue): the new
 * one (green) gets the target groups not taking production traffic, and each production rule
 * forwards to both (green at weight 0), so the green targets are health-checked before any
 * traffic reaches them. A service's first deployment has nothing to shift from and rolls out as
 * usual. Returns whether the deployment is a shift in progress.
 */
export async function beginShift(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  primary: Deployment,
  mine: TaskRecord[],
  at: number,
): Promise<boolean> {
  if (primary.rolloutState !== 'IN_PROGRESS') return false;
  if (primary.shift) return true;
  if (!shiftsTraffic(s.deploymentConfiguration) || primary.rollbackOf || s.status !== 'ACTIVE') return false;
  const serving = (d: Deployment) => mine.some((t) => t.startedBy === d.id && t.desiredStatus === 'RUNNING');
  // A deployment with tasks already is no new green: it is blue taken back by a rollback.
  if (serving(primary)) return false;
  const blue = s.deployments.find((d) => d !== primary && serving(d));
  if (!blue) return false;
  const elb = loadBalancerDeps(deps);
  const entries = entriesOf(s);
  const blueGroups = entries.map((e) => liveGroup(elb, e));
  primary.targetGroups = entries.map((e, i) => otherOf(e, blueGroups[i] as string));
  primary.shift = { stage: 'PRE_SCALE_UP', stageAt: at, percent: 0, blue: blue.id, blueGroups, hooks: [] };
  await shiftRules(elb, s, primary, 'production', 0);
  return true;
}

type HookVerdict = 'wait' | 'go' | 'rollback';

/**
 * The PAUSE hooks configured for a stage: each waits (AWAITING_ACTION) until
 * ContinueServiceDeployment says CONTINUE or ROLLBACK, or its timeout takes its timeout action.
 */
function runHooks(s: ServiceRecord, shift: TrafficShift, stage: string, at: number): HookVerdict {
  const hooks = s.deploymentConfiguration.lifecycleHooks ?? [];
  for (const [i, h] of hooks.entries()) {
    if (!h.lifecycleStages.includes(stage)) continue;
    let run = shift.hooks.find((r) => r.stage === stage && r.hook === i);
    if (!run) {
      const t = h.timeoutConfiguration;
      run = {
        id: uuid(),
        stage,
        hook: i,
        targetType: 'PAUSE',
        status: 'AWAITING_ACTION',
        startedAt: at,
        ...(t?.timeoutInMinutes ? { expiresAt: at + t.timeoutInMinutes * 60_000 } : {}),
        ...(t?.timeoutInMinutes ? { timeoutAction: t.action ?? 'ROLLBACK' } : {}),
      } satisfies HookRun;
      shift.hooks.push(run);
    }
    if (run.status === 'AWAITING_ACTION') {
      if (run.action) run.status = run.action === 'CONTINUE' ? 'SUCCEEDED' : 'FAILED';
      else if (run.expiresAt !== undefined && at >= run.expiresAt) run.status = 'TIMED_OUT';
      else return 'wait';
    }
    const action = run.status === 'TIMED_OUT' ? run.timeoutAction : run.action;
    if (action === 'ROLLBACK') return 'rollback';
  }
  return 'go';
}

const NEXT: Partial<Record<LifecycleStage, LifecycleStage>> = {
  PRE_SCALE_UP: 'SCALE_UP',
  SCALE_UP: 'POST_SCALE_UP',
  POST_SCALE_UP: 'TEST_TRAFFIC_SHIFT',
  TEST_TRAFFIC_SHIFT: 'POST_TEST_TRAFFIC_SHIFT',
  POST_TEST_TRAFFIC_SHIFT: 'PRODUCTION_TRAFFIC_SHIFT',
  PRODUCTION_TRAFFIC_SHIFT: 'POST_PRODUCTION_TRAFFIC_SHIFT',
  POST_PRODUCTION_TRAFFIC_SHIFT: 'BAKE_TIME',
  BAKE_TIME: 'CLEAN_UP',
};

/** What a shift step asks of the controller: green tasks to start, old tasks to stop, or a rollback. */
export interface ShiftStep {
  start: number;
  stop: TaskRecord[];
  rollback?: string;
}

/**
 * One pass of a traffic-shifting deployment, through ECS's lifecycle stages: green scales up in
 * full beside blue; test traffic, then production traffic, shift to it (at once, or in linear or
 * canary steps, each after its bake time); blue is kept through the bake time and then stopped.
 * PAUSE hooks hold the stage they run at.
 */
export async function shiftStep(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  green: Deployment,
  mine: readonly TaskRecord[],
  desired: number,
  isHealthy: (t: TaskRecord) => boolean,
  at: number,
): Promise<ShiftStep> {
  const shift = green.shift as TrafficShift;
  const elb = loadBalancerDeps(deps);
  const wanted = mine.filter((t) => t.desiredStatus === 'RUNNING');
  const greens = wanted.filter((t) => t.startedBy === green.id);
  // Tasks of neither side (a deployment this one superseded) leave at once.
  const stop = wanted.filter((t) => t.startedBy !== green.id && t.startedBy !== shift.blue);
  const out: ShiftStep = { start: 0, stop };
  for (let guard = 0; guard < 12; guard++) {
    const stage = shift.stage;
    let verdict: HookVerdict = 'go';
    if (stage === 'SCALE_UP') {
      out.start = Math.max(0, desired - greens.length);
      if (greens.filter(isHealthy).length < desired) return out;
    } else if (stage === 'TEST_TRAFFIC_SHIFT') {
      await shiftRules(elb, s, green, 'test', 100);
      verdict = runHooks(s, shift, stage, at);
    } else if (stage === 'PRODUCTION_TRAFFIC_SHIFT') {
      verdict = runHooks(s, shift, 'PRE_PRODUCTION_TRAFFIC_SHIFT', at);
      if (verdict === 'go') {
        const next = nextPercent(s, shift, at);
        if (next !== shift.percent) {
          shift.percent = next;
          shift.stepAt = at;
          await shiftRules(elb, s, green, 'production', next);
        }
        if (shift.percent < 100) return out;
        verdict = runHooks(s, shift, stage, at);
      }
    } else if (stage === 'BAKE_TIME') {
      if (at - shift.stageAt < (s.deploymentConfiguration.bakeTimeInMinutes ?? 0) * 60_000) return out;
    } else if (stage === 'CLEAN_UP') {
      s.liveTargetGroups = green.targetGroups;
      out.stop = wanted.filter((t) => t.startedBy !== green.id);
      return out;
    } else {
      verdict = runHooks(s, shift, stage, at);
    }
    if (verdict === 'wait') return out;
    if (verdict === 'rollback') return { ...out, rollback: `Lifecycle hook at ${stage} asked for a rollback.` };
    shift.stage = NEXT[stage] as LifecycleStage;
    shift.stageAt = at;
  }
  return out;
}

/** The production share after this pass: all at once, or the next linear or canary step once due. */
function nextPercent(s: ServiceRecord, shift: TrafficShift, at: number): number {
  const c = s.deploymentConfiguration;
  const due = (minutes: number) => shift.stepAt === undefined || at - shift.stepAt >= minutes * 60_000;
  if (c.strategy === 'LINEAR' && c.linearConfiguration) {
    const { stepPercent, stepBakeTimeInMinutes } = c.linearConfiguration;
    if (shift.percent === 0) return Math.min(100, stepPercent);
    return due(stepBakeTimeInMinutes)
      ? Math.min(100, Math.round((shift.percent + stepPercent) * 10) / 10)
      : shift.percent;
  }
  if (c.strategy === 'CANARY' && c.canaryConfiguration) {
    const { canaryPercent, canaryBakeTimeInMinutes } = c.canaryConfiguration;
    if (shift.percent === 0) return canaryPercent;
    return due(canaryBakeTimeInMinutes) ? 100 : shift.percent;
  }
  return 100;
}

/**
 * Rolls a traffic shift back, as ECS does: production (and test) traffic goes back to blue at
 * once, blue is the primary deployment again, and green's tasks are stopped by the passes that
 * follow. Returns false when blue is gone (the caller rolls back by redeploying instead).
 */
export async function rollBackShift(
  deps: ControlPlaneDeps,
  s: ServiceRecord,
  green: Deployment,
  reason: string,
  at: number,
): Promise<boolean> {
  const blue = s.deployments.find((d) => d.id === green.shift?.blue);
  if (!blue || !green.shift) return false;
  await restoreBlueTraffic(deps, s, green);
  return markShiftRolledBack(s, green, reason, at);
}

/**
 * The service's side of rolling a shift back (inside a store transaction: the rules change once
 * it is committed, by `restoreBlueTraffic`). False when blue is gone.
 */
export function markShiftRolledBack(s: ServiceRecord, green: Deployment, reason: string, at: number): boolean {
  const blue = s.deployments.find((d) => d.id === green.shift?.blue);
  if (!blue || !green.shift) return false;
  green.shift.percent = 0;
  green.status = 'ACTIVE';
  green.rolloutState = 'FAILED';
  green.rolloutStateReason = reason;
  green.rolledBackTo = { id: blue.id, reason, at };
  blue.status = 'PRIMARY';
  blue.desiredCount = s.desiredCount;
  s.taskDefinitionArn = blue.taskDefinitionArn;
  s.deployments = [blue, ...s.deployments.filter((d) => d !== blue)];
  s.liveTargetGroups = green.shift.blueGroups;
  addEvent(s, messages.rollingBack(s.name, blue.id), at);
  return true;
}

/** Production and test rules back on a rolled-back shift's blue target groups. */
export async function restoreBlueTraffic(deps: ControlPlaneDeps, s: ServiceRecord, green: Deployment): Promise<void> {
  const elb = loadBalancerDeps(deps);
  await shiftRules(elb, s, green, 'production', 0);
  await shiftRules(elb, s, green, 'test', 0);
}
