import { alreadyExists, invalidParameter, notFound, notImplemented } from '../kernel/index.js';
import { checkActions } from './actions.js';
import { arnParts, elbId, elbNotFound, listenerArn } from './arns.js';
import type { ElbDeps } from './deps.js';
import { loadBalancerByArn } from './load-balancers.js';
import { listeners, loadBalancers, rules, type ElbAction, type ElbTag, type ListenerRecord } from './tables.js';
import { checkTags } from './tags.js';

export interface ListenerInput {
  LoadBalancerArn: string;
  Port?: number;
  Protocol?: string;
  DefaultActions: ElbAction[];
  Certificates?: { CertificateArn?: string }[];
  SslPolicy?: string;
  Tags?: ElbTag[];
}

/** Whether a port can be bound on an address of this host (the data plane's probe). */
export type PortProbe = (address: string, port: number) => Promise<boolean>;

const PROTOCOLS = { application: ['HTTP', 'HTTPS'], network: ['TCP', 'TLS', 'UDP', 'TCP_UDP'] };

function checkProtocol(type: 'application' | 'network', protocol: string): void {
  if (!PROTOCOLS[type].includes(protocol))
    throw invalidParameter(`Protocol '${protocol}' is not supported for ${type} load balancers`, {
      field: 'Protocol',
      reason: 'protocol-incompatible',
    });
  if (protocol === 'TLS') throw notImplemented('TLS listeners');
  if (protocol === 'UDP' || protocol === 'TCP_UDP') throw notImplemented(`${protocol} listeners`);
}

const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-2016-08';

/** An HTTPS listener's certificate: one, imported (ACM), that berth can serve. */
function checkCertificates(deps: ElbDeps, protocol: string, certs: { CertificateArn?: string }[] | undefined): void {
  if (protocol !== 'HTTPS') return;
  const arn = certs?.[0]?.CertificateArn;
  if (!arn)
    throw invalidParameter('A certificate must be specified for HTTPS listeners', {
      field: 'Certificates',
      reason: 'configuration-invalid',
    });
  if (!deps.certificates?.pem(arn)) throw notFound(`Certificate '${arn}' not found`, { resource: 'certificate' });
}

/**
 * CreateListener: a port of the load balancer's address and its default actions. The port must
 * be free on this host as well as on the load balancer (another process may hold it); the data
 * plane binds it once the listener is stored.
 */
export async function createListener(deps: ElbDeps, input: ListenerInput, probe: PortProbe): Promise<ListenerRecord> {
  const lb = loadBalancerByArn(deps, input.LoadBalancerArn);
  const protocol = input.Protocol ?? (lb.type === 'application' ? 'HTTP' : 'TCP');
  checkProtocol(lb.type, protocol);
  const port = input.Port ?? (protocol === 'HTTPS' ? 443 : 80);
  if (port < 1 || port > 65_535) throw invalidParameter('The port must be between 1 and 65535', { field: 'Port' });
  checkActions(deps, lb, input.DefaultActions, 'DefaultActions');
  checkCertificates(deps, protocol, input.Certificates);
  checkTags(input.Tags);
  const same = deps.store.read((tx) => tx.list(listeners, { prefix: `${lb.id}/` })).find((l) => l.value.port === port);
  if (same)
    throw alreadyExists('A listener already exists on this port for this load balancer', { resource: 'listener' });
  if (!(await probe(lb.address, port)))
    throw invalidParameter(`Port ${port} of address ${lb.address} is in use on this host`, {
      field: 'Port',
      reason: 'configuration-invalid',
    });
  const id = elbId();
  const rec: ListenerRecord = {
    key: `${lb.id}/${id}`,
    id,
    arn: listenerArn(deps, lb, id),
    loadBalancerArn: lb.arn,
    port,
    protocol,
    defaultActions: input.DefaultActions,
    certificates: input.Certificates ?? [],
    ...(protocol === 'HTTPS' ? { sslPolicy: input.SslPolicy ?? DEFAULT_SSL_POLICY } : {}),
    tags: input.Tags ?? [],
  };
  return await deps.store.transact((tx) => {
    if (!tx.get(loadBalancers, lb.name)) throw elbNotFound('load-balancer');
    if (tx.list(listeners, { prefix: `${lb.id}/` }).some((l) => l.value.port === port))
      throw alreadyExists('A listener already exists on this port for this load balancer', { resource: 'listener' });
    tx.put(listeners, rec);
    return rec;
  });
}

export function listenerByArn(deps: ElbDeps, arn: string, field = 'ListenerArn'): ListenerRecord {
  const parts = arnParts(deps, arn, 'listener', field);
  const l = deps.store.read((tx) => tx.get(listeners, `${parts[2] ?? ''}/${parts[3] ?? ''}`)?.value);
  if (!l || l.arn !== arn) throw elbNotFound('listener');
  return l;
}

export function describeListeners(
  deps: ElbDeps,
  input: { LoadBalancerArn?: string; ListenerArns?: string[] },
): ListenerRecord[] {
  if (input.ListenerArns?.length) return input.ListenerArns.map((a) => listenerByArn(deps, a));
  if (!input.LoadBalancerArn)
    throw invalidParameter('You must specify either listener ARNs or a load balancer ARN', {
      field: 'LoadBalancerArn',
    });
  const lb = loadBalancerByArn(deps, input.LoadBalancerArn);
  return deps.store.read((tx) => tx.list(listeners, { prefix: `${lb.id}/` })).map((e) => e.value);
}

/** ModifyListener: its port, protocol or default actions. */
export async function modifyListener(
  deps: ElbDeps,
  arn: string,
  input: Partial<Omit<ListenerInput, 'LoadBalancerArn'>>,
  probe: PortProbe,
): Promise<ListenerRecord> {
  const l = listenerByArn(deps, arn);
  const lb = loadBalancerByArn(deps, l.loadBalancerArn);
  const protocol = input.Protocol ?? l.protocol;
  checkProtocol(lb.type, protocol);
  const actions = input.DefaultActions?.length ? input.DefaultActions : l.defaultActions;
  checkActions(deps, lb, actions, 'DefaultActions');
  const certificates = input.Certificates?.length ? input.Certificates : l.certificates;
  checkCertificates(deps, protocol, certificates);
  const port = input.Port ?? l.port;
  if (port !== l.port) {
    if (deps.store.read((tx) => tx.list(listeners, { prefix: `${lb.id}/` })).some((o) => o.value.port === port))
      throw alreadyExists('A listener already exists on this port for this load balancer', { resource: 'listener' });
    if (!(await probe(lb.address, port)))
      throw invalidParameter(`Port ${port} of address ${lb.address} is in use on this host`, {
        field: 'Port',
        reason: 'configuration-invalid',
      });
  }
  const next: ListenerRecord = {
    ...l,
    port,
    protocol,
    defaultActions: actions,
    certificates,
    ...(protocol === 'HTTPS' ? { sslPolicy: input.SslPolicy ?? l.sslPolicy ?? DEFAULT_SSL_POLICY } : {}),
  };
  if (protocol !== 'HTTPS') delete next.sslPolicy;
  await deps.store.transact((tx) => tx.put(listeners, next));
  return next;
}

export async function deleteListener(deps: ElbDeps, arn: string): Promise<void> {
  const l = listenerByArn(deps, arn);
  await deps.store.transact((tx) => {
    for (const r of tx.list(rules, { prefix: `${l.id}/` })) tx.delete(rules, r.key);
    tx.delete(listeners, l.key);
  });
}

/** The load balancers whose listeners serve a certificate (ACM's InUseBy). */
export function loadBalancersUsingCertificate(deps: ElbDeps, certificateArn: string): string[] {
  const lbs = deps.store
    .read((tx) => tx.list(listeners))
    .filter(
      (e) =>
        e.value.certificates.some((c) => c.CertificateArn === certificateArn) ||
        (e.value.sniCertificates ?? []).includes(certificateArn),
    )
    .map((e) => e.value.loadBalancerArn);
  return [...new Set(lbs)];
}
