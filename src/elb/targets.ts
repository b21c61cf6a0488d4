import { invalidParameter } from '../kernel/index.js';
import { parseCidr } from './actions.js';
import { nowMs, type ElbDeps } from './deps.js';
import { loadBalancersByTargetGroup, targetGroupByArn } from './target-groups.js';
import { targets, type TargetGroupRecord, type TargetRecord, type TargetState } from './tables.js';

export interface TargetInput {
  Id?: string;
  Port?: number;
  AvailabilityZone?: string;
}

/** ELB's reasons and descriptions for each state a target can be in. */
export const TARGET_REASONS = {
  registering: ['Elb.RegistrationInProgress', 'Target registration is in progress'],
  initial: ['Elb.InitialHealthChecking', 'Initial health checks in progress'],
  draining: ['Target.DeregistrationInProgress', 'Target deregistration is in progress'],
  unused: ['Target.NotInUse', 'Target group is not configured to receive traffic from the load balancer'],
  notRegistered: ['Target.NotRegistered', 'Target is not registered to the target group'],
  disabled: ['Target.HealthCheckDisabled', 'Health checks are disabled'],
  timeout: ['Target.Timeout', 'Request timed out'],
  failed: ['Target.FailedHealthChecks', 'Health checks failed'],
} as const;

// The private ranges an `ip` target may have (ELB refuses publicly routable addresses), and the
// host's own loopback.
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8'].map(
  (c) => parseCidr(c) as [number, number],
);

function privateIp(id: string): boolean {
  const cidr = parseCidr(`${id}/32`);
  return cidr !== undefined && PRIVATE.some(([net, mask]) => (cidr[0] & mask) >>> 0 === net);
}

/** A target's address: an `ip` target's own, an `instance` target's host's. */
export function targetAddress(deps: ElbDeps, tg: TargetGroupRecord, targetId: string): string | undefined {
  return tg.targetType === 'ip' ? targetId : deps.hosts.addressOf(targetId);
}

const keyOf = (tg: TargetGroupRecord, id: string, port: number) => `${tg.id}/${id}/${port}`;

/**
 * RegisterTargets: each target must be a host berth knows (instance) or a private address (ip);
 * a new one starts `initial` (or `unused` while no load balancer forwards to the group), a
 * draining one comes back, an existing one is left as it is.
 */
export async function registerTargets(deps: ElbDeps, arn: string, input: TargetInput[]): Promise<void> {
  const tg = targetGroupByArn(deps, arn);
  if (input.length === 0) throw invalidParameter('At least one target must be specified', { field: 'Targets' });
  for (const t of input) {
    const id = t.Id ?? '';
    if (tg.targetType === 'ip' ? !privateIp(id) : deps.hosts.addressOf(id) === undefined)
      throw invalidParameter(
        tg.targetType === 'ip'
          ? `The IP address '${id}' is not a private address of a network berth reaches`
          : `The following targets are not valid instances: '${id}'`,
        { field: 'Targets', reason: 'target-invalid' },
      );
    const port = t.Port ?? tg.port;
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      throw invalidParameter(`The port ${port} of target '${id}' is not valid`, {
        field: 'Targets',
        reason: 'target-invalid',
      });
  }
  const used = loadBalancersByTargetGroup(deps).has(tg.arn);
  const now = nowMs(deps);
  await deps.store.transact((tx) => {
    for (const t of input) {
      const port = t.Port ?? tg.port;
      const key = keyOf(tg, t.Id as string, port);
      const was = tx.get(targets, key)?.value;
      if (was && was.state !== 'draining') continue;
      const [reason, description] = used ? TARGET_REASONS.registering : TARGET_REASONS.unused;
      tx.put(targets, {
        key,
        targetGroupArn: tg.arn,
        targetId: t.Id as string,
        port,
        ...(t.AvailabilityZone ? { availabilityZone: t.AvailabilityZone } : {}),
        state: used ? 'initial' : 'unused',
        reason,
        description,
        registeredAt: now,
      });
    }
  });
}

/**
 * DeregisterTargets: each goes `draining` for the group's deregistration delay (the data plane
 * sends it no new requests and removes it when the delay ends); an unknown one is refused.
 */
export async function deregisterTargets(deps: ElbDeps, arn: string, input: TargetInput[]): Promise<void> {
  const tg = targetGroupByArn(deps, arn);
  const delayMs = Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? '300') * 1000;
  const now = nowMs(deps);
  await deps.store.transact((tx) => {
    for (const t of input) {
      const key = keyOf(tg, t.Id ?? '', t.Port ?? tg.port);
      const was = tx.get(targets, key)?.value;
      if (!was)
        throw invalidParameter(`The target '${t.Id ?? ''}' is not registered with the target group`, {
          field: 'Targets',
          reason: 'target-invalid',
        });
      if (was.state === 'draining') continue;
      if (delayMs === 0 || was.state === 'unused') {
        tx.delete(targets, key);
        continue;
      }
      const [reason, description] = TARGET_REASONS.draining;
      tx.put(targets, { ...was, state: 'draining', reason, description, drainUntil: now + delayMs });
    }
  });
}

export function listTargets(deps: ElbDeps, tg: TargetGroupRecord): TargetRecord[] {
  return deps.store.read((tx) => tx.list(targets, { prefix: `${tg.id}/` })).map((e) => e.value);
}

/** DescribeTargetHealth: the named targets (an unregistered one `unavailable`… as ELB says it), else all. */
export function describeTargetHealth(
  deps: ElbDeps,
  arn: string,
  only?: TargetInput[],
): (Pick<TargetRecord, 'targetId' | 'port' | 'state' | 'reason' | 'description'> & { availabilityZone?: string })[] {
  const tg = targetGroupByArn(deps, arn);
  const all = listTargets(deps, tg);
  if (!only?.length) return all;
  return only.map((t) => {
    const port = t.Port ?? tg.port;
    const found = all.find((r) => r.targetId === t.Id && r.port === port);
    if (found) return found;
    const [reason, description] = TARGET_REASONS.notRegistered;
    return { targetId: t.Id ?? '', port, state: 'unused' as TargetState, reason, description };
  });
}

/** The health checker's verdict on a target: a state change is written, the same state is not. */
export async function setTargetHealth(
  deps: ElbDeps,
  key: string,
  state: TargetState,
  why?: readonly [string, string],
): Promise<void> {
  await deps.store.transact((tx) => {
    const was = tx.get(targets, key)?.value;
    if (!was || was.state === 'draining') return;
    const next: TargetRecord = { ...was, state };
    delete next.reason;
    delete next.description;
    if (why) {
      next.reason = why[0];
      next.description = why[1];
    }
    if (was.state === next.state && was.reason === next.reason && was.description === next.description) return;
    tx.put(targets, next);
  });
}

/** Removes targets whose deregistration delay has ended. */
export async function finishDraining(deps: ElbDeps, now = nowMs(deps)): Promise<void> {
  const done = deps.store
    .read((tx) => tx.list(targets))
    .filter((e) => e.value.state === 'draining' && (e.value.drainUntil ?? 0) <= now);
  if (done.length === 0) return;
  await deps.store.transact((tx) => {
    for (const e of done) {
      const cur = tx.get(targets, e.key)?.value;
      if (cur?.state === 'draining' && (cur.drainUntil ?? 0) <= now) tx.delete(targets, e.key);
    }
  });
}
