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
}

/**
 * Picks targets the way ELB does: healthy ones in turn (round robin, or the one with the fewest
 * requests in flight); when none is healthy, every registered one that is not draining (ELB
 * "fails open"); none at all: undefined (503).
 */
export class Balancer {
  private readonly cursor = new Map<string, number>();
  readonly inFlight = new Map<string, number>();

  pick(g: GroupView): TargetView | undefined {
    const pool = routable(g);
    if (pool.length === 0) return undefined;
    if (g.leastOutstanding) {
      let best = pool[0] as TargetView;
      for (const t of pool) if ((this.inFlight.get(t.key) ?? 0) < (this.inFlight.get(best.key) ?? 0)) best = t;
      return best;
    }
    const i = (this.cursor.get(g.arn) ?? 0) % pool.length;
    this.cursor.set(g.arn, i + 1);
    return pool[i];
  }

  /** A forward action's target group: the only one, or one by weight. */
  static group(action: ElbAction, groups: ReadonlyMap<string, GroupView>): GroupView | undefined {
    const weighted = action.ForwardConfig?.TargetGroups?.length
      ? action.ForwardConfig.TargetGroups.map((t) => ({ arn: t.TargetGroupArn ?? '', weight: t.Weight ?? 1 }))
      : [{ arn: action.TargetGroupArn ?? '', weight: 1 }];
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
