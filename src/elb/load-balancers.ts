import { alreadyExists, conflict, invalidParameter, limitExceeded, notImplemented } from '../kernel/index.js';
import { mergeAttributes, type AttributeInput } from './attributes.js';
import { arnParts, elbId, elbNotFound, loadBalancerArn } from './arns.js';
import { nowMs, type ElbDeps } from './deps.js';
import { listeners, loadBalancers, rules, type ElbTag, type LoadBalancerRecord } from './tables.js';
import { checkTags } from './tags.js';

export interface CreateLoadBalancerInput {
  Name: string;
  Type?: string;
  Scheme?: string;
  IpAddressType?: string;
  Subnets?: string[];
  SecurityGroups?: string[];
  Tags?: ElbTag[];
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

const DEFAULT_ATTRIBUTES = {
  application: {
    'deletion_protection.enabled': 'false',
    'idle_timeout.timeout_seconds': '60',
    'routing.http2.enabled': 'true',
    'routing.http.drop_invalid_header_fields.enabled': 'false',
    'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
    'routing.http.xff_client_port.enabled': 'false',
    'routing.http.xff_header_processing.mode': 'append',
    'access_logs.s3.enabled': 'false',
    'load_balancing.cross_zone.enabled': 'true',
  },
  network: {
    'deletion_protection.enabled': 'false',
    'load_balancing.cross_zone.enabled': 'false',
    'access_logs.s3.enabled': 'false',
  },
} as const;

/** The next loopback address of the pool that no load balancer holds. */
function freeAddress(deps: ElbDeps): string {
  const prefix = deps.addressPrefix ?? '127.77';
  const taken = new Set(deps.store.read((tx) => tx.list(loadBalancers)).map((e) => e.value.address));
  for (let i = 1; i < 65_535; i++) {
    const a = `${prefix}.${i >> 8}.${i & 255}`;
    if ((i & 255) !== 0 && (i & 255) !== 255 && !taken.has(a)) return a;
  }
  throw limitExceeded('No address is left for another load balancer', { resource: 'load-balancer' });
}

/**
 * CreateLoadBalancer: an application or network load balancer with a loopback address of its
 * own, where its listeners bind, and a DNSName that the data plane's hosts file resolves to it.
 * The same name with the same settings answers the existing one, as ELB does.
 */
export async function createLoadBalancer(deps: ElbDeps, input: CreateLoadBalancerInput): Promise<LoadBalancerRecord> {
  if (!NAME.test(input.Name) || input.Name.startsWith('internal-'))
    throw invalidParameter(
      `Load balancer name '${input.Name}' must have a maximum of 32 alphanumeric characters and hyphens, cannot begin or end with a hyphen, and cannot begin with 'internal-'`,
      { field: 'Name' },
    );
  const type = input.Type ?? 'application';
  if (type === 'gateway') throw notImplemented('gateway load balancers');
  if (type !== 'application' && type !== 'network')
    throw invalidParameter(`Invalid load balancer type '${type}'`, { field: 'Type' });
  const scheme = input.Scheme ?? 'internet-facing';
  const ipAddressType = input.IpAddressType ?? 'ipv4';
  if (ipAddressType !== 'ipv4') throw notImplemented(`IpAddressType ${ipAddressType}`);
  checkTags(input.Tags);
  const existing = deps.store.read((tx) => tx.get(loadBalancers, input.Name)?.value);
  if (existing) {
    if (existing.type === type && existing.scheme === scheme) return existing;
    throw alreadyExists('A load balancer with the same name exists, but with different settings', {
      resource: 'load-balancer',
    });
  }
  const id = elbId();
  const address = freeAddress(deps);
  const rec: LoadBalancerRecord = {
    name: input.Name,
    id,
    arn: loadBalancerArn(deps, { type, name: input.Name, id }),
    type,
    scheme,
    ipAddressType,
    dnsName: `${scheme === 'internal' ? 'internal-' : ''}${input.Name}-${parseInt(id.slice(0, 8), 16)}.${deps.region}.elb.berth.internal`,
    address,
    createdAt: nowMs(deps),
    securityGroups: input.SecurityGroups ?? [],
    subnets: input.Subnets ?? [],
    attributes: { ...DEFAULT_ATTRIBUTES[type] },
    tags: input.Tags ?? [],
  };
  return await deps.store.transact((tx) => {
    if (tx.get(loadBalancers, rec.name))
      throw alreadyExists('A load balancer with the same name exists', { resource: 'load-balancer' });
    tx.put(loadBalancers, rec);
    return rec;
  });
}

export function loadBalancerByArn(deps: ElbDeps, arn: string, field = 'LoadBalancerArn'): LoadBalancerRecord {
  const [, name] = arnParts(deps, arn, 'load-balancer', field);
  const lb = deps.store.read((tx) => tx.get(loadBalancers, name ?? '')?.value);
  if (!lb || lb.arn !== arn) throw elbNotFound('load-balancer');
  return lb;
}

/** DescribeLoadBalancers: by ARNs or names (each must exist), else all, by name. */
export function describeLoadBalancers(deps: ElbDeps, arns?: string[], names?: string[]): LoadBalancerRecord[] {
  if (arns?.length && names?.length)
    throw invalidParameter('Load balancer names and load balancer ARNs cannot be specified at the same time', {
      field: 'Names',
    });
  if (arns?.length) return arns.map((a) => loadBalancerByArn(deps, a));
  if (names?.length)
    return names.map((n) => {
      const lb = deps.store.read((tx) => tx.get(loadBalancers, n)?.value);
      if (!lb) throw elbNotFound('load-balancer');
      return lb;
    });
  return deps.store.read((tx) => tx.list(loadBalancers)).map((e) => e.value);
}

/** DeleteLoadBalancer: with its listeners and their rules; an unknown one is no error, as in ELB. */
export async function deleteLoadBalancer(deps: ElbDeps, arn: string): Promise<void> {
  let lb: LoadBalancerRecord;
  try {
    lb = loadBalancerByArn(deps, arn);
  } catch (e) {
    if ((e as { kind?: string }).kind === 'NotFound') return;
    throw e;
  }
  if (lb.attributes['deletion_protection.enabled'] === 'true')
    throw conflict(`Load balancer '${arn}' cannot be deleted because deletion protection is enabled`, {
      reason: 'operation-not-permitted',
    });
  await deps.store.transact((tx) => {
    for (const l of tx.list(listeners, { prefix: `${lb.id}/` })) {
      for (const r of tx.list(rules, { prefix: `${l.value.id}/` })) tx.delete(rules, r.key);
      tx.delete(listeners, l.key);
    }
    tx.delete(loadBalancers, lb.name);
  });
}

/** ModifyLoadBalancerAttributes: known keys only, values as strings; returns them all. */
export async function modifyLoadBalancerAttributes(
  deps: ElbDeps,
  arn: string,
  attrs: AttributeInput[],
): Promise<Record<string, string>> {
  const lb = loadBalancerByArn(deps, arn);
  const next = mergeAttributes('Load balancer', lb.attributes, DEFAULT_ATTRIBUTES[lb.type], attrs);
  await deps.store.transact((tx) => tx.put(loadBalancers, { ...lb, attributes: next }));
  return next;
}
