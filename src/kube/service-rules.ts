import { randomInt } from 'node:crypto';
import type { ReadTx } from '../store/index.js';
import { invalidObject, invalidValue, labelProblem, notImplemented, type Cause } from './names.js';
import { kubeObjects, metaOf, resourcePrefix, type KubeObject, type Scope } from './object.js';

/**
 * A Service's defaults and checks, and what the API server allocates for it: a virtual IP from the
 * service range and, for a NodePort service, a port on every node. Allocation reads the cluster's
 * services in the write's transaction, so two creates racing for one address conflict and retry.
 */
export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}
export interface ServiceSpec {
  ports?: ServicePort[] | null;
  selector?: Record<string, string> | null;
  clusterIP?: string;
  clusterIPs?: string[] | null;
  type?: string;
  externalName?: string;
  sessionAffinity?: string;
  publishNotReadyAddresses?: boolean;
  [k: string]: unknown;
}

export const serviceSpecOf = (o: KubeObject): ServiceSpec => (o['spec'] ?? {}) as ServiceSpec;

/** The service range (the API server's default, 10.96.0.0/12); .1 is the `kubernetes` service's, .10 cluster DNS's. */
export const SERVICE_CIDR = '10.96.0.0/12';
/** The `kubernetes` Service's cluster IP: the API server as pods reach it. */
export const API_SERVICE_IP = '10.96.0.1';
const BASE = (10 << 24) | (96 << 16);
const SIZE = 1 << 20;
export const NODE_PORTS = { min: 30000, max: 32767 };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
function ipNumber(ip: string): number | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((a, p) => a * 256 + p, 0);
}
const ipText = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
export const inServiceRange = (n: number) => n > BASE && n < BASE + SIZE - 1;

export function defaultService(o: KubeObject): void {
  const s = (o['spec'] ??= {}) as ServiceSpec;
  s.type ??= 'ClusterIP';
  if (s.type === 'ExternalName') return;
  s.sessionAffinity ??= 'None';
  s['internalTrafficPolicy'] ??= 'Cluster';
  if (s.type === 'NodePort' || s.type === 'LoadBalancer') s['externalTrafficPolicy'] ??= 'Cluster';
  if (s.type === 'LoadBalancer') s['allocateLoadBalancerNodePorts'] ??= true;
  if (s.clusterIP && !s.clusterIPs) s.clusterIPs = [s.clusterIP];
  s['ipFamilies'] ??= ['IPv4'];
  s['ipFamilyPolicy'] ??= 'SingleStack';
  for (const p of s.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  o['status'] ??= { loadBalancer: {} };
}

/** On update: what the API server allocated stays when the new body leaves it out (an apply, a PUT of a manifest). */
export function keepAllocated(next: KubeObject, prev: KubeObject): void {
  const s = (next['spec'] ??= {}) as ServiceSpec;
  const was = serviceSpecOf(prev);
  if (!s.clusterIP && was.clusterIP && (s.type ?? 'ClusterIP') !== 'ExternalName') {
    s.clusterIP = was.clusterIP;
    s.clusterIPs = was.clusterIPs ?? [was.clusterIP];
  }
  // A type that has none drops what the old type had and the body still carries (the API server's
  // dropTypeDependentFields: `kubectl patch` to ClusterIP keeps the node ports in the body).
  const type = s.type ?? 'ClusterIP';
  if (type === 'ClusterIP' || type === 'ExternalName') {
    for (const p of s.ports ?? []) {
      const same = (was.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (p.nodePort !== undefined && same?.nodePort === p.nodePort) delete p.nodePort;
    }
  }
  if (type !== 'LoadBalancer' && s['allocateLoadBalancerNodePorts'] === was['allocateLoadBalancerNodePorts'])
    delete s['allocateLoadBalancerNodePorts'];
  for (const p of s.ports ?? []) {
    if (p.nodePort !== undefined) continue;
    const same = (was.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
    if (same?.nodePort !== undefined && s.type !== 'ClusterIP') p.nodePort = same.nodePort;
  }
}

export function serviceCauses(o: KubeObject): Cause[] {
  const s = serviceSpecOf(o);
  const causes: Cause[] = [];
  if (s.type === 'ExternalName') {
    if (!s.externalName) causes.push({ field: 'spec.externalName', message: 'Required value' });
    return causes;
  }
  const headless = s.clusterIP === 'None';
  if (!(s.ports ?? []).length && !headless) causes.push({ field: 'spec.ports', message: 'Required value' });
  const names = new Set<string>();
  for (const [i, p] of (s.ports ?? []).entries()) {
    const f = `spec.ports[${i}]`;
    if ((s.ports ?? []).length > 1 && !p.name) causes.push({ field: `${f}.name`, message: 'Required value' });
    if (p.name) {
      const problem = labelProblem(p.name);
      if (problem) causes.push(invalidValue(`${f}.name`, p.name, problem));
      if (names.has(p.name)) causes.push({ field: `${f}.name`, message: `Duplicate value: "${p.name}"` });
      names.add(p.name);
    }
    if (p.port < 1 || p.port > 65535)
      causes.push(invalidValue(`${f}.port`, p.port, 'must be between 1 and 65535, inclusive'));
    if (typeof p.targetPort === 'number' && (p.targetPort < 1 || p.targetPort > 65535))
      causes.push(invalidValue(`${f}.targetPort`, p.targetPort, 'must be between 1 and 65535, inclusive'));
    if (p.protocol === 'SCTP') causes.push(notImplemented(`${f}.protocol`, 'SCTP'));
    if (p.nodePort !== undefined && s.type === 'ClusterIP')
      causes.push(invalidValue(`${f}.nodePort`, p.nodePort, "may not be used when `type` is 'ClusterIP'"));
    else if (p.nodePort !== undefined && (p.nodePort < NODE_PORTS.min || p.nodePort > NODE_PORTS.max))
      causes.push(
        invalidValue(
          `${f}.nodePort`,
          p.nodePort,
          `provided port is not in the valid range. The range of valid ports is ${NODE_PORTS.min}-${NODE_PORTS.max}`,
        ),
      );
  }
  if (s.clusterIP && !headless) {
    const n = ipNumber(s.clusterIP);
    if (n === undefined) causes.push(invalidValue('spec.clusterIPs[0]', s.clusterIP, 'must be a valid IP address'));
    else if (!inServiceRange(n))
      causes.push(
        invalidValue(
          'spec.clusterIPs[0]',
          s.clusterIP,
          `provided IP is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`,
        ),
      );
  }
  if (headless && (s.type === 'NodePort' || s.type === 'LoadBalancer'))
    causes.push(invalidValue('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${s.type} services`));
  if (s['loadBalancerClass'] !== undefined && s.type !== 'LoadBalancer')
    causes.push({
      field: 'spec.loadBalancerClass',
      message: "Invalid value: may only be used when `type` is 'LoadBalancer'",
    });
  if (((s['ipFamilies'] ?? []) as string[]).includes('IPv6')) causes.push(notImplemented('spec.ipFamilies', 'IPv6'));
  return causes;
}

export function serviceUpdateCauses(next: KubeObject, prev: KubeObject): Cause[] {
  const a = serviceSpecOf(next).clusterIP;
  const b = serviceSpecOf(prev).clusterIP;
  if (b && a !== b && serviceSpecOf(next).type !== 'ExternalName')
    return [invalidValue('spec.clusterIPs[0]', a ?? '', 'may not change once set')];
  return [];
}

/** The service with its cluster IP and node ports (a copy: a retried transaction starts again), or refuses ones already another's. */
export function allocateService(tx: ReadTx, scope: Scope, given: KubeObject): KubeObject {
  const o = structuredClone(given);
  const s = serviceSpecOf(o);
  if (s.type === 'ExternalName') return o;
  const me = `${metaOf(o).namespace ?? ''}/${metaOf(o).name ?? ''}`;
  const ips = new Set<number>();
  const ports = new Set<number>();
  for (const e of tx.list(kubeObjects, { prefix: resourcePrefix({ cluster: scope.cluster, kind: scope.kind }) })) {
    const other = e.value.object;
    if (`${metaOf(other).namespace ?? ''}/${metaOf(other).name ?? ''}` === me) continue;
    const os = serviceSpecOf(other);
    const n = os.clusterIP ? ipNumber(os.clusterIP) : undefined;
    if (n !== undefined) ips.add(n);
    for (const p of os.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  }
  const causes: Cause[] = [];
  const name = metaOf(o).name ?? '';
  if (!s.clusterIP) {
    const n = pick(BASE + 16, BASE + SIZE - 2, ips);
    if (n === undefined) causes.push({ field: 'spec.clusterIPs', message: 'Internal error: range is full' });
    else {
      s.clusterIP = ipText(n);
      s.clusterIPs = [s.clusterIP];
    }
  } else if (s.clusterIP !== 'None' && ips.has(ipNumber(s.clusterIP) ?? -1))
    causes.push(
      invalidValue(
        'spec.clusterIPs',
        [s.clusterIP],
        `failed to allocate IP ${s.clusterIP}: provided IP is already allocated`,
      ),
    );
  // A LoadBalancer service has node ports too, unless it asks for none (allocateLoadBalancerNodePorts: false).
  const nodePorts =
    s.type === 'NodePort' || (s.type === 'LoadBalancer' && s['allocateLoadBalancerNodePorts'] !== false);
  if (nodePorts)
    for (const [i, p] of (s.ports ?? []).entries()) {
      if (p.nodePort === undefined) {
        const port = pick(NODE_PORTS.min, NODE_PORTS.max, ports);
        if (port === undefined)
          causes.push({ field: `spec.ports[${i}].nodePort`, message: 'Internal error: range is full' });
        else p.nodePort = port;
      } else if (ports.has(p.nodePort))
        causes.push(invalidValue(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
      if (p.nodePort !== undefined) ports.add(p.nodePort);
    }
  else if (s.type !== 'LoadBalancer') for (const p of s.ports ?? []) delete p.nodePort;
  if (causes.length) throw invalidObject('Service', name, causes);
  return o;
}

/** A random free number in [min, max], else the first free one, else undefined. */
function pick(min: number, max: number, used: Set<number>): number | undefined {
  for (let i = 0; i < 64; i++) {
    const n = randomInt(min, max + 1);
    if (!used.has(n)) return n;
  }
  for (let n = min; n <= max; n++) if (!used.has(n)) return n;
  return undefined;
}
