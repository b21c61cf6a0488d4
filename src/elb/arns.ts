import { hexId, invalidParameter, notFound } from '../kernel/index.js';
import type { ElbDeps } from './deps.js';
import type { LoadBalancerRecord } from './tables.js';

/** 16 hex digits, as the last part of ELB's ARNs. */
export const elbId = () => hexId().slice(0, 16);

const base = (deps: ElbDeps) => `arn:aws:elasticloadbalancing:${deps.region}:${deps.accountId}`;
const kind = (lb: Pick<LoadBalancerRecord, 'type'>) => (lb.type === 'network' ? 'net' : 'app');

export const loadBalancerArn = (deps: ElbDeps, lb: Pick<LoadBalancerRecord, 'type' | 'name' | 'id'>) =>
  `${base(deps)}:loadbalancer/${kind(lb)}/${lb.name}/${lb.id}`;
export const targetGroupArn = (deps: ElbDeps, name: string, id: string) => `${base(deps)}:targetgroup/${name}/${id}`;
export const listenerArn = (deps: ElbDeps, lb: Pick<LoadBalancerRecord, 'type' | 'name' | 'id'>, id: string) =>
  `${base(deps)}:listener/${kind(lb)}/${lb.name}/${lb.id}/${id}`;
export const ruleArn = (
  deps: ElbDeps,
  lb: Pick<LoadBalancerRecord, 'type' | 'name' | 'id'>,
  listenerId: string,
  id: string,
) => `${base(deps)}:listener-rule/${kind(lb)}/${lb.name}/${lb.id}/${listenerId}/${id}`;

export type ElbResource = 'load-balancer' | 'target-group' | 'listener' | 'rule';
const NOT_FOUND: Record<ElbResource, string> = {
  'load-balancer': 'One or more load balancers not found',
  'target-group': 'One or more target groups not found',
  listener: 'One or more listeners not found',
  rule: 'One or more rules not found',
};
export const elbNotFound = (resource: ElbResource) => notFound(NOT_FOUND[resource], { resource });

/**
 * The parts of an ELB ARN after its resource type: `loadbalancer/app/<name>/<id>`,
 * `targetgroup/<name>/<id>`, `listener/app/<lb>/<lb id>/<id>`, `listener-rule/…/<id>`.
 * An ARN of another region or account, or not of ELB at all, names nothing here.
 */
export function arnParts(deps: ElbDeps, arn: string, resource: ElbResource, field: string): string[] {
  const prefix = `${base(deps)}:`;
  const type = {
    'load-balancer': 'loadbalancer',
    'target-group': 'targetgroup',
    listener: 'listener',
    rule: 'listener-rule',
  }[resource];
  if (!arn.startsWith('arn:aws:elasticloadbalancing:'))
    throw invalidParameter(`'${arn}' is not a valid ${resource.replace('-', ' ')} ARN`, { field });
  if (!arn.startsWith(`${prefix}${type}/`)) throw elbNotFound(resource);
  return arn.slice(prefix.length + type.length + 1).split('/');
}
