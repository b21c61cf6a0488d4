import { actionWeights } from './actions.js';
import { arnParts, elbNotFound } from './arns.js';
import type { ElbDeps } from './deps.js';
import { listenerByArn } from './listeners.js';
import { loadBalancerByArn } from './load-balancers.js';
import { defaultRuleId } from './rules.js';
import { listeners, rules, type ElbAction, type ListenerRecord, type RuleRecord } from './tables.js';

/** One target group of a forward action and its share of the traffic. */
export interface TargetGroupWeight {
  arn: string;
  weight: number;
}

type Place = { rule: RuleRecord; listener: ListenerRecord } | { rule?: undefined; listener: ListenerRecord };

/**
 * Where a blue/green deployment shifts traffic: a listener rule, a listener's default rule (by
 * its ARN), or a listener itself (network load balancers have no rules).
 */
function locate(deps: ElbDeps, arn: string, field: string): Place {
  if (arn.includes(':listener-rule/')) {
    const parts = arnParts(deps, arn, 'rule', field);
    const listener = listenerByArn(
      deps,
      arn.replace(':listener-rule/', ':listener/').slice(0, arn.lastIndexOf('/') - 5),
      field,
    );
    const rule = deps.store.read((tx) => tx.get(rules, `${listener.id}/${parts[4] ?? ''}`)?.value);
    if (rule?.arn === arn) return { rule, listener };
    if (parts[4] === defaultRuleId(listener)) return { listener };
    throw elbNotFound('rule');
  }
  return { listener: listenerByArn(deps, arn, field) };
}

const actionsOf = (p: Place) => p.rule?.actions ?? p.listener.defaultActions;

/** The target groups a rule (or listener) forwards to, with their weights; empty if it does not forward. */
export function forwardWeights(deps: ElbDeps, arn: string, field = 'RuleArn'): TargetGroupWeight[] {
  const f = actionsOf(locate(deps, arn, field)).find((a) => a.Type === 'forward');
  return f && (f.ForwardConfig?.TargetGroups?.length || f.TargetGroupArn) ? actionWeights(f) : [];
}

/**
 * Points a rule's (or listener's) forward action at the given target groups and weights, as ECS
 * does when it shifts traffic. A network load balancer forwards to one group: the heaviest.
 */
export async function setForwardWeights(
  deps: ElbDeps,
  arn: string,
  weights: readonly TargetGroupWeight[],
  field = 'RuleArn',
): Promise<void> {
  const place = locate(deps, arn, field);
  const lb = loadBalancerByArn(deps, place.listener.loadBalancerArn);
  const heaviest = [...weights].sort((a, b) => b.weight - a.weight)[0];
  const rewrite = (actions: readonly ElbAction[]): ElbAction[] =>
    actions.map((a) => {
      if (a.Type !== 'forward') return a;
      if (lb.type === 'network') return { Type: 'forward', TargetGroupArn: heaviest?.arn ?? '' };
      return {
        Type: 'forward',
        ...(a.Order !== undefined ? { Order: a.Order } : {}),
        ForwardConfig: {
          TargetGroups: weights.map((w) => ({ TargetGroupArn: w.arn, Weight: w.weight })),
          ...(a.ForwardConfig?.TargetGroupStickinessConfig
            ? { TargetGroupStickinessConfig: a.ForwardConfig.TargetGroupStickinessConfig }
            : {}),
        },
      };
    });
  await deps.store.transact((tx) => {
    // Written only when the weights change: every write wakes the data plane.
    const changed = (a: readonly ElbAction[], b: readonly ElbAction[]) => JSON.stringify(a) !== JSON.stringify(b);
    if (place.rule) {
      const cur = tx.get(rules, place.rule.key)?.value;
      const next = cur && rewrite(cur.actions);
      if (cur && next && changed(cur.actions, next)) tx.put(rules, { ...cur, actions: next });
    } else {
      const cur = tx.get(listeners, place.listener.key)?.value;
      const next = cur && rewrite(cur.defaultActions);
      if (cur && next && changed(cur.defaultActions, next)) tx.put(listeners, { ...cur, defaultActions: next });
    }
  });
}
