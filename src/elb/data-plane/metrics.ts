import type { MetricDatum } from '../../kernel/index.js';
import type { ListenerRecord, LoadBalancerRecord, TargetGroupRecord, TargetRecord } from '../tables.js';

/** What an engine has forwarded since it started: requests per listener key and per target group ARN. */
export interface RequestCounts {
  listeners: ReadonlyMap<string, number>;
  groups: ReadonlyMap<string, number>;
}

/** How much each counter grew since the last reading; one that went down was reset (an engine reload). */
export function counterDeltas(
  before: ReadonlyMap<string, number>,
  now: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of now) {
    const was = before.get(k) ?? 0;
    out.set(k, v >= was ? v - was : v);
  }
  return out;
}

/** `app/<name>/<id>` and `targetgroup/<name>/<id>`: the dimension values CloudWatch names them by. */
const lbDimension = (lb: LoadBalancerRecord) => lb.arn.slice(lb.arn.indexOf(':loadbalancer/') + 14);
const tgDimension = (tg: TargetGroupRecord) => tg.arn.slice(tg.arn.lastIndexOf(':') + 1);

export interface MetricsInput {
  lbs: readonly LoadBalancerRecord[];
  listeners: readonly ListenerRecord[];
  tgs: readonly TargetGroupRecord[];
  targets: readonly TargetRecord[];
  /** The load balancers (ARNs) that forward to each target group. */
  lbsByGroup: ReadonlyMap<string, Iterable<string>>;
  listenerRequests: ReadonlyMap<string, number>;
  groupRequests: ReadonlyMap<string, number>;
  at: Date;
}

/**
 * An interval's `AWS/ApplicationELB` metrics, as ELB publishes them: RequestCount per load
 * balancer and per target group; RequestCountPerTarget (the group's requests over its healthy
 * targets, at least one); HealthyHostCount and UnHealthyHostCount. Kept by the second, so alarms
 * of any period can read them; zero counts are published too (scale-in needs to see them).
 */
export function elbMetrics(m: MetricsInput): MetricDatum[] {
  const out: MetricDatum[] = [];
  const datum = (MetricName: string, dims: [string, string][], Value: number, Unit = 'Count') =>
    out.push({
      MetricName,
      Dimensions: dims.map(([Name, Value]) => ({ Name, Value })),
      Value,
      Unit,
      Timestamp: m.at,
      StorageResolution: 1,
    });
  const apps = new Map(m.lbs.filter((lb) => lb.type === 'application').map((lb) => [lb.arn, lb]));
  for (const lb of apps.values()) {
    const own = m.listeners.filter((l) => l.loadBalancerArn === lb.arn);
    if (own.length === 0) continue;
    const requests = own.reduce((n, l) => n + (m.listenerRequests.get(l.key) ?? 0), 0);
    datum('RequestCount', [['LoadBalancer', lbDimension(lb)]], requests);
  }
  for (const tg of m.tgs) {
    const lbs = [...(m.lbsByGroup.get(tg.arn) ?? [])].map((arn) => apps.get(arn)).filter((lb) => lb !== undefined);
    if (lbs.length === 0) continue;
    const mine = m.targets.filter((t) => t.targetGroupArn === tg.arn);
    const healthy = mine.filter((t) => t.state === 'healthy').length;
    const unhealthy = mine.filter((t) => t.state === 'unhealthy').length;
    const requests = m.groupRequests.get(tg.arn) ?? 0;
    const perTarget = requests / Math.max(1, healthy);
    datum('RequestCountPerTarget', [['TargetGroup', tgDimension(tg)]], perTarget);
    for (const lb of lbs) {
      const both: [string, string][] = [
        ['TargetGroup', tgDimension(tg)],
        ['LoadBalancer', lbDimension(lb)],
      ];
      datum('RequestCount', both, requests);
      datum('RequestCountPerTarget', both, perTarget);
      datum('HealthyHostCount', both, healthy);
      datum('UnHealthyHostCount', both, unhealthy);
    }
  }
  return out;
}
