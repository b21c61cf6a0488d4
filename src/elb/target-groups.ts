import { alreadyExists, conflict, invalidParameter, notImplemented } from '../kernel/index.js';
import { mergeAttributes, type AttributeInput } from './attributes.js';
import { arnParts, elbId, elbNotFound, targetGroupArn } from './arns.js';
import { nowMs, type ElbDeps } from './deps.js';
import {
  listeners,
  rules,
  targetGroups,
  targets,
  type ElbAction,
  type ElbTag,
  type HealthCheck,
  type TargetGroupRecord,
} from './tables.js';
import { checkTags } from './tags.js';

export interface TargetGroupInput {
  Name: string;
  Protocol?: string;
  ProtocolVersion?: string;
  Port?: number;
  VpcId?: string;
  TargetType?: string;
  HealthCheckProtocol?: string;
  HealthCheckPort?: string;
  HealthCheckEnabled?: boolean;
  HealthCheckPath?: string;
  HealthCheckIntervalSeconds?: number;
  HealthCheckTimeoutSeconds?: number;
  HealthyThresholdCount?: number;
  UnhealthyThresholdCount?: number;
  Matcher?: { HttpCode?: string; GrpcCode?: string };
  Tags?: ElbTag[];
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const HTTP = ['HTTP', 'HTTPS'];
const L4 = ['TCP', 'TLS', 'UDP', 'TCP_UDP'];
/** The berth default VPC every target group is in unless it names another. */
export const DEFAULT_VPC = 'vpc-0berth0000000000';

const bad = (message: string, field: string) => invalidParameter(message, { field });

function healthCheckOf(input: TargetGroupInput, protocol: string, was?: HealthCheck): HealthCheck {
  const hcProtocol = input.HealthCheckProtocol ?? was?.protocol ?? (HTTP.includes(protocol) ? protocol : 'TCP');
  const http = HTTP.includes(hcProtocol);
  const hc: HealthCheck = {
    protocol: hcProtocol,
    port: input.HealthCheckPort ?? was?.port ?? 'traffic-port',
    ...(http
      ? { path: input.HealthCheckPath ?? was?.path ?? '/', matcher: input.Matcher?.HttpCode ?? was?.matcher ?? '200' }
      : {}),
    intervalSeconds: input.HealthCheckIntervalSeconds ?? was?.intervalSeconds ?? 30,
    timeoutSeconds: input.HealthCheckTimeoutSeconds ?? was?.timeoutSeconds ?? (http ? 5 : 10),
    healthyThreshold: input.HealthyThresholdCount ?? was?.healthyThreshold ?? 5,
    unhealthyThreshold: input.UnhealthyThresholdCount ?? was?.unhealthyThreshold ?? (http ? 2 : 2),
    enabled: input.HealthCheckEnabled ?? was?.enabled ?? true,
  };
  if (hc.port !== 'traffic-port' && !/^\d{1,5}$/.test(hc.port))
    throw bad(`Health check port '${hc.port}' must be 'traffic-port' or a port number`, 'HealthCheckPort');
  if (hc.timeoutSeconds >= hc.intervalSeconds)
    throw invalidParameter('Health check timeout must be smaller than the interval', {
      field: 'HealthCheckTimeoutSeconds',
      reason: 'configuration-invalid',
    });
  if (hc.path !== undefined && !hc.path.startsWith('/'))
    throw bad("Health check path must begin with a '/' character", 'HealthCheckPath');
  if (hc.matcher !== undefined && !/^\d{3}(?:-\d{3})?(?:,\d{3}(?:-\d{3})?)*$/.test(hc.matcher))
    throw bad(
      `Health check matcher HTTP code '${hc.matcher}' must be a code, a list or a range of codes between 200 and 599`,
      'Matcher.HttpCode',
    );
  return hc;
}

const DEFAULT_ATTRIBUTES = (protocol: string): Record<string, string> => ({
  'deregistration_delay.timeout_seconds': '300',
  'stickiness.enabled': 'false',
  ...(HTTP.includes(protocol)
    ? {
        'stickiness.type': 'lb_cookie',
        'stickiness.lb_cookie.duration_seconds': '86400',
        'stickiness.app_cookie.cookie_name': '',
        'stickiness.app_cookie.duration_seconds': '86400',
        'slow_start.duration_seconds': '0',
        'load_balancing.algorithm.type': 'round_robin',
      }
    : {
        'stickiness.type': 'source_ip',
        'proxy_protocol_v2.enabled': 'false',
        'deregistration_delay.connection_termination.enabled': 'false',
      }),
});

/** CreateTargetGroup: instance or ip targets over HTTP(S) or TCP; the same name and settings answer the existing one. */
export async function createTargetGroup(deps: ElbDeps, input: TargetGroupInput): Promise<TargetGroupRecord> {
  if (!NAME.test(input.Name))
    throw bad(
      `Target group name '${input.Name}' can have a maximum of 32 characters, alphanumeric characters and hyphens only, and cannot begin or end with a hyphen`,
      'Name',
    );
  const targetType = input.TargetType ?? 'instance';
  if (targetType === 'lambda' || targetType === 'alb') throw notImplemented(`target type ${targetType}`);
  if (targetType !== 'instance' && targetType !== 'ip')
    throw bad(`Target type '${targetType}' is not valid`, 'TargetType');
  const protocol = input.Protocol;
  if (protocol === undefined || input.Port === undefined)
    throw bad('A protocol and a port must be specified for this target type', 'Protocol');
  if (!HTTP.includes(protocol) && !L4.includes(protocol))
    throw bad(`Protocol '${protocol}' is not supported`, 'Protocol');
  if (protocol === 'UDP' || protocol === 'TCP_UDP') throw notImplemented(`${protocol} target groups`);
  checkTags(input.Tags);
  const rec: TargetGroupRecord = {
    name: input.Name,
    id: elbId(),
    arn: '',
    targetType,
    protocol,
    ...(HTTP.includes(protocol) ? { protocolVersion: input.ProtocolVersion ?? 'HTTP1' } : {}),
    port: input.Port,
    vpcId: input.VpcId ?? DEFAULT_VPC,
    healthCheck: healthCheckOf(input, protocol),
    attributes: DEFAULT_ATTRIBUTES(protocol),
    tags: input.Tags ?? [],
    createdAt: nowMs(deps),
  };
  rec.arn = targetGroupArn(deps, rec.name, rec.id);
  return await deps.store.transact((tx) => {
    const was = tx.get(targetGroups, rec.name)?.value;
    if (was) {
      if (was.protocol === rec.protocol && was.port === rec.port && was.targetType === rec.targetType) return was;
      throw alreadyExists('A target group with the same name exists, but with different settings', {
        resource: 'target-group',
      });
    }
    tx.put(targetGroups, rec);
    return rec;
  });
}

export function targetGroupByArn(deps: ElbDeps, arn: string, field = 'TargetGroupArn'): TargetGroupRecord {
  const [name] = arnParts(deps, arn, 'target-group', field);
  const tg = deps.store.read((tx) => tx.get(targetGroups, name ?? '')?.value);
  if (!tg || tg.arn !== arn) throw elbNotFound('target-group');
  return tg;
}

/** The target groups a load balancer's listeners and rules forward to, by ARN. */
export function actionTargetGroups(actions: readonly ElbAction[]): string[] {
  const out: string[] = [];
  for (const a of actions) {
    if (a.TargetGroupArn) out.push(a.TargetGroupArn);
    for (const t of a.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) out.push(t.TargetGroupArn);
  }
  return out;
}

/** Each target group's load balancers (ARNs), from the listeners and rules that forward to it. */
export function loadBalancersByTargetGroup(deps: ElbDeps): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (tg: string, lb: string) => {
    let s = out.get(tg);
    if (!s) out.set(tg, (s = new Set()));
    s.add(lb);
  };
  deps.store.read((tx) => {
    const lbOfListener = new Map<string, string>();
    for (const { value: l } of tx.list(listeners)) {
      lbOfListener.set(l.arn, l.loadBalancerArn);
      for (const tg of actionTargetGroups(l.defaultActions)) add(tg, l.loadBalancerArn);
    }
    for (const { value: r } of tx.list(rules)) {
      const lb = lbOfListener.get(r.listenerArn);
      if (lb) for (const tg of actionTargetGroups(r.actions)) add(tg, lb);
    }
  });
  return out;
}

export function describeTargetGroups(
  deps: ElbDeps,
  input: { TargetGroupArns?: string[]; Names?: string[]; LoadBalancerArn?: string },
): TargetGroupRecord[] {
  if (input.TargetGroupArns?.length) return input.TargetGroupArns.map((a) => targetGroupByArn(deps, a));
  if (input.Names?.length)
    return input.Names.map((n) => {
      const tg = deps.store.read((tx) => tx.get(targetGroups, n)?.value);
      if (!tg) throw elbNotFound('target-group');
      return tg;
    });
  const all = deps.store.read((tx) => tx.list(targetGroups)).map((e) => e.value);
  if (!input.LoadBalancerArn) return all;
  const byTg = loadBalancersByTargetGroup(deps);
  return all.filter((tg) => byTg.get(tg.arn)?.has(input.LoadBalancerArn as string));
}

/** ModifyTargetGroup: its health check settings. */
export async function modifyTargetGroup(
  deps: ElbDeps,
  arn: string,
  input: Omit<TargetGroupInput, 'Name'>,
): Promise<TargetGroupRecord> {
  const tg = targetGroupByArn(deps, arn);
  const next = { ...tg, healthCheck: healthCheckOf({ Name: tg.name, ...input }, tg.protocol, tg.healthCheck) };
  await deps.store.transact((tx) => tx.put(targetGroups, next));
  return next;
}

/** ModifyTargetGroupAttributes: the keys of its protocol only; returns them all. */
export async function modifyTargetGroupAttributes(
  deps: ElbDeps,
  arn: string,
  attrs: AttributeInput[],
): Promise<Record<string, string>> {
  const tg = targetGroupByArn(deps, arn);
  const next = mergeAttributes('Target group', tg.attributes, DEFAULT_ATTRIBUTES(tg.protocol), attrs);
  const types = HTTP.includes(tg.protocol) ? ['lb_cookie', 'app_cookie'] : ['source_ip'];
  const refuse = (message: string) =>
    invalidParameter(message, { field: 'Attributes', reason: 'configuration-invalid' });
  if (!types.includes(next['stickiness.type'] ?? ''))
    throw refuse(
      `Stickiness type '${next['stickiness.type'] ?? ''}' is not supported for target groups with the ${tg.protocol} protocol`,
    );
  if (!['true', 'false'].includes(next['stickiness.enabled'] ?? ''))
    throw refuse(`'${next['stickiness.enabled'] ?? ''}' must be true or false`);
  const slow = Number(next['slow_start.duration_seconds'] ?? '0');
  if (slow !== 0 && (slow < 30 || slow > 900))
    throw refuse('Slow start duration must be 0 or between 30 and 900 seconds');
  if (slow > 0 && next['load_balancing.algorithm.type'] === 'least_outstanding_requests')
    throw refuse('Slow start cannot be used with the least outstanding requests algorithm');
  await deps.store.transact((tx) => tx.put(targetGroups, { ...tg, attributes: next }));
  return next;
}

/** DeleteTargetGroup: refused while a listener or rule forwards to it; its targets go with it. */
export async function deleteTargetGroup(deps: ElbDeps, arn: string): Promise<void> {
  const tg = targetGroupByArn(deps, arn);
  if (loadBalancersByTargetGroup(deps).has(tg.arn))
    throw conflict(`Target group '${arn}' is currently in use by a listener or a rule`, {
      reason: 'in-use',
      resource: 'target-group',
    });
  await deps.store.transact((tx) => {
    for (const t of tx.list(targets, { prefix: `${tg.id}/` })) tx.delete(targets, t.key);
    tx.delete(targetGroups, tg.name);
  });
}
