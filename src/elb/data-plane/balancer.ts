import { actionWeights } from '../actions.js';
import type { ElbAction, TargetState } from '../tables.js';

export interface TargetView {
  key: string;
  address: string;
  port: number;
  state: TargetState;
}

/** A target group as the data plane routes to it. */
export interface GroupView {
  arn: string;
  /** The target group's id and protocol (an engine names its backend by them). */
  id: string;
  protocol: string;
  targets: TargetView[];
  leastOutstanding: boolean;
  /** Stickiness: by ELB's AWSALB cookie (application) or by client address (network). */
  sticky?: { type: 'lb_cookie'; durationSec: number } | { type: 'source_ip' };
  /** A target newly healthy gets its full share of requests only after this many seconds. */
  slowStartSec?: number;
}

/** What a request or connection brings that stickiness goes by. */
export interface PickHint {
  /** The target an AWSALB cookie names (its key). */
  cookieTarget?: string;
  sourceIp?: string;
}

/**
 * Picks targets the way ELB does: healthy ones in turn (round robin, or the one with the fewest
 * requests in flight); when none is healthy, every registered one that is not draining (ELB
 * "fails open"); none at all: undefined (503).
 */
export class Balancer {
  private readonly cursor = new Map<string, number>();
  readonly inFlight = new Map<string, number>();
  /** When each target was first seen routable (slow start ramps its share from then). */
  private readonly since = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  pick(g: GroupView, hint: PickHint = {}): TargetView | undefined {
    const pool = routable(g);
    if (pool.length === 0) return undefined;
    const at = this.now();
    if (g.sticky?.type === 'lb_cookie' && hint.cookieTarget) {
      const kept = pool.find((t) => t.key === hint.cookieTarget);
      if (kept) return kept;
    }
    if (g.sticky?.type === 'source_ip' && hint.sourceIp) return pool[hashOf(hint.sourceIp) % pool.length];
    if (g.leastOutstanding) {
      let best = pool[0] as TargetView;
      for (const t of pool) if ((this.inFlight.get(t.key) ?? 0) < (this.inFlight.get(best.key) ?? 0)) best = t;
      return best;
    }
    // Round robin; a target in slow start takes its turn only in proportion to how far along it is.
    for (let tries = 0; ; tries++) {
      const i = (this.cursor.get(g.arn) ?? 0) % pool.length;
      this.cursor.set(g.arn, i + 1);
      const t = pool[i] as TargetView;
      const since = this.since.get(t.key);
      const ramp = g.slowStartSec && since !== undefined ? (at - since) / (g.slowStartSec * 1000) : 1;
      if (ramp >= 1 || tries >= pool.length || Math.random() < Math.max(0.05, ramp)) return t;
    }
  }

  /**
   * Each pass's view of the groups: a target turning healthy starts its slow start now; one no
   * longer healthy is forgotten, so that it ramps up again when it recovers.
   */
  observe(groups: Iterable<GroupView>): void {
    const at = this.now();
    const healthy = new Set<string>();
    for (const g of groups)
      for (const t of g.targets) if (t.state === 'healthy' || t.state === 'unavailable') healthy.add(t.key);
    for (const k of this.since.keys()) if (!healthy.has(k)) this.since.delete(k);
    for (const k of healthy) if (!this.since.has(k)) this.since.set(k, at);
  }

  /** A forward action's target group: the only one, or one by weight. */
  static group(action: ElbAction, groups: ReadonlyMap<string, GroupView>): GroupView | undefined {
    const weighted = actionWeights(action);
    const total = weighted.reduce((s, w) => s + w.weight, 0);
    if (total <= 0) return groups.get(weighted[0]?.arn ?? '');
    let r = Math.random() * total;
    for (const w of weighted) {
      r -= w.weight;
      if (r < 0) return groups.get(w.arn);
    }
    return groups.get(weighted[weighted.length - 1]?.arn ?? '');
  }

  started(t: TargetView): void {
    this.inFlight.set(t.key, (this.inFlight.get(t.key) ?? 0) + 1);
  }

  ended(t: TargetView): void {
    const n = (this.inFlight.get(t.key) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(t.key);
    else this.inFlight.set(t.key, n);
  }
}

/** The targets a group sends new requests to: healthy ones, else (ELB fails open) all but draining. */
export function routable(g: GroupView): TargetView[] {
  const healthy = g.targets.filter((t) => t.state === 'healthy' || t.state === 'unavailable');
  return healthy.length ? healthy : g.targets.filter((t) => t.state === 'initial' || t.state === 'unhealthy');
}

/** FNV-1a over a client address: the same address, the same target while the pool stays. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
