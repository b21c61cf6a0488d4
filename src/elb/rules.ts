import { alreadyExists, invalidParameter, limitExceeded } from '../kernel/index.js';
import { checkActions, checkConditions } from './actions.js';
import { arnParts, elbId, elbNotFound, ruleArn } from './arns.js';
import type { ElbDeps } from './deps.js';
import { listenerByArn } from './listeners.js';
import { loadBalancerByArn } from './load-balancers.js';
import {
  rules,
  type ElbAction,
  type ElbCondition,
  type ElbTag,
  type ListenerRecord,
  type RuleRecord,
} from './tables.js';
import { checkTags } from './tags.js';

export interface RuleInput {
  ListenerArn: string;
  Priority: number;
  Conditions: ElbCondition[];
  Actions: ElbAction[];
  Tags?: ElbTag[];
}

/** A listener's rules as DescribeRules lists them: by priority, its default rule last. */
export interface RuleView {
  arn: string;
  priority: number | 'default';
  conditions: ElbCondition[];
  actions: ElbAction[];
}

const priorityTaken = () => alreadyExists('The specified priority is in use', { resource: 'rule-priority' });

function checkPriority(p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 50_000)
    throw invalidParameter('Priority must be between 1 and 50000', { field: 'Priority' });
}

export async function createRule(deps: ElbDeps, input: RuleInput): Promise<RuleRecord> {
  const l = listenerByArn(deps, input.ListenerArn);
  const lb = loadBalancerByArn(deps, l.loadBalancerArn);
  if (lb.type !== 'application')
    throw invalidParameter('Rules are supported only by listeners of application load balancers', {
      field: 'ListenerArn',
      reason: 'configuration-invalid',
    });
  checkPriority(input.Priority);
  checkConditions(input.Conditions);
  checkActions(deps, lb, input.Actions, 'Actions');
  checkTags(input.Tags);
  const id = elbId();
  const rec: RuleRecord = {
    key: `${l.id}/${id}`,
    id,
    arn: ruleArn(deps, lb, l.id, id),
    listenerArn: l.arn,
    priority: input.Priority,
    conditions: input.Conditions,
    actions: input.Actions,
    tags: input.Tags ?? [],
  };
  return await deps.store.transact((tx) => {
    const have = tx.list(rules, { prefix: `${l.id}/` });
    if (have.some((r) => r.value.priority === rec.priority)) throw priorityTaken();
    if (have.length >= 100)
      throw limitExceeded('You have reached the limit on the number of rules per listener', { resource: 'rule' });
    tx.put(rules, rec);
    return rec;
  });
}

/** The default rule's id: fixed per listener, so its ARN is stable. */
export const defaultRuleId = (l: ListenerRecord) => `${l.id.slice(8)}${l.id.slice(0, 8)}`;

export function listenerRules(deps: ElbDeps, l: ListenerRecord): RuleView[] {
  const lb = loadBalancerByArn(deps, l.loadBalancerArn);
  const own = deps.store
    .read((tx) => tx.list(rules, { prefix: `${l.id}/` }))
    .map((e) => e.value)
    .sort((a, b) => a.priority - b.priority)
    .map((r): RuleView => ({ arn: r.arn, priority: r.priority, conditions: r.conditions, actions: r.actions }));
  return [
    ...own,
    { arn: ruleArn(deps, lb, l.id, defaultRuleId(l)), priority: 'default', conditions: [], actions: l.defaultActions },
  ];
}

function ruleByArn(deps: ElbDeps, arn: string, field = 'RuleArn'): RuleRecord {
  const parts = arnParts(deps, arn, 'rule', field);
  const r = deps.store.read((tx) => tx.get(rules, `${parts[3] ?? ''}/${parts[4] ?? ''}`)?.value);
  if (!r || r.arn !== arn) throw elbNotFound('rule');
  return r;
}

export function describeRules(deps: ElbDeps, input: { ListenerArn?: string; RuleArns?: string[] }): RuleView[] {
  if (input.ListenerArn) return listenerRules(deps, listenerByArn(deps, input.ListenerArn));
  if (!input.RuleArns?.length)
    throw invalidParameter('You must specify either listener ARN or rule ARNs', { field: 'ListenerArn' });
  return input.RuleArns.map((arn) => {
    const parts = arnParts(deps, arn, 'rule', 'RuleArns');
    const lb = `${parts[0]}/${parts[1]}/${parts[2]}`;
    const listenerArn = arn.replace(/:listener-rule\/.*$/, `:listener/${lb}/${parts[3] ?? ''}`);
    try {
      const view = listenerRules(deps, listenerByArn(deps, listenerArn)).find((v) => v.arn === arn);
      if (view) return view;
    } catch {
      // an unknown listener: the rule is unknown too
    }
    throw elbNotFound('rule');
  });
}

export async function modifyRule(
  deps: ElbDeps,
  arn: string,
  input: { Conditions?: ElbCondition[]; Actions?: ElbAction[] },
): Promise<RuleRecord> {
  const r = ruleByArn(deps, arn);
  const l = listenerByArn(deps, r.listenerArn);
  const lb = loadBalancerByArn(deps, l.loadBalancerArn);
  const next = { ...r, conditions: input.Conditions ?? r.conditions, actions: input.Actions ?? r.actions };
  checkConditions(next.conditions);
  checkActions(deps, lb, next.actions, 'Actions');
  await deps.store.transact((tx) => tx.put(rules, next));
  return next;
}

/** SetRulePriorities: all at once; no two rules of a listener may end up sharing one. */
export async function setRulePriorities(
  deps: ElbDeps,
  items: { RuleArn?: string; Priority?: number }[],
): Promise<RuleRecord[]> {
  const changed = items.map((i) => {
    checkPriority(i.Priority ?? 0);
    return { ...ruleByArn(deps, i.RuleArn ?? ''), priority: i.Priority as number };
  });
  return await deps.store.transact((tx) => {
    for (const r of changed) tx.put(rules, r);
    for (const listenerId of new Set(changed.map((r) => r.key.split('/')[0] as string))) {
      const ps = tx.list(rules, { prefix: `${listenerId}/` }).map((e) => e.value.priority);
      if (new Set(ps).size !== ps.length) throw priorityTaken();
    }
    return changed;
  });
}

export async function deleteRule(deps: ElbDeps, arn: string): Promise<void> {
  const r = ruleByArn(deps, arn);
  await deps.store.transact((tx) => tx.delete(rules, r.key));
}
