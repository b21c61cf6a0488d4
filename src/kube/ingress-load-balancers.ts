import type { Logger } from '../kernel/index.js';
import { startControllerLoop } from './controller-loop.js';
import type { KubeDeps } from './deps.js';
import { recordEvent } from './events.js';
import { INGRESS, INGRESS_CLASS, ingressSpecOf, type IngressSpec } from './ingress-kinds.js';
import { changedObject, kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { createUnlessExists, updateObject } from './objects.js';
import { ENDPOINTS, SERVICE } from './service-kinds.js';
import { ingressOf } from './service-load-balancers.js';
import { serviceSpecOf } from './service-rules.js';

/**
 * The AWS Load Balancer Controller's part for Ingresses of its class (controller
 * `ingress.k8s.aws/alb`, or the `kubernetes.io/ingress.class: alb` annotation): one application
 * load balancer per Ingress, an HTTP listener on port 80 whose rules are the Ingress's hosts and
 * paths in order, each forwarding to an `ip` target group of its Service's ready endpoints; the
 * default backend (or a 404) otherwise. The DNS name goes to `status.loadBalancer.ingress`; the
 * controller's finalizer keeps the Ingress until the load balancer is gone. berth's ELB makes it
 * through IngressLoadBalancerPort.
 */
export const INGRESS_FINALIZER = 'ingress.k8s.aws/resources';
export const ALB_CONTROLLER = 'ingress.k8s.aws/alb';

export interface IngressBackendTargets {
  /** `<service>:<port>` as the Ingress names it. */
  key: string;
  targets: { ip: string; port: number }[];
}
export interface WantedIngressLoadBalancer {
  uid: string;
  cluster: string;
  namespace: string;
  name: string;
  internal: boolean;
  /** The HTTP ports it listens on (the listen-ports annotation; 80 by default). */
  ports: number[];
  healthCheckPath: string;
  successCodes: string;
  backends: IngressBackendTargets[];
  /** In order: the first that matches a request takes it. */
  rules: { host?: string; paths: string[]; backend: string }[];
  defaultBackend?: string;
}

export interface IngressLoadBalancerPort {
  ensureIngress(want: WantedIngressLoadBalancer): Promise<{ hostname: string; ip: string }>;
  removeIngress(uid: string): Promise<void>;
}

/**
 * The `alb` IngressClass, made at start when missing, as the AWS Load Balancer Controller's
 * chart makes it (not the default class: an Ingress names it, or a default the user marks).
 */
export async function ensureIngressClass(deps: KubeDeps, cluster: string): Promise<void> {
  const scope = { cluster, kind: INGRESS_CLASS };
  if (deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, 'alb')))) return;
  await createUnlessExists(deps, scope, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'alb', labels: { 'app.kubernetes.io/name': 'aws-load-balancer-controller' } },
    spec: { controller: ALB_CONTROLLER },
  });
}

type Backend = NonNullable<IngressSpec['defaultBackend']>;
const keyOfBackend = (b: Backend) =>
  b.service ? `${b.service.name}:${b.service.port.number ?? b.service.port.name ?? ''}` : undefined;

/** An Ingress path as ELB path patterns, as the AWS Load Balancer Controller writes them. */
export function pathPatterns(path: string | undefined, pathType: string | undefined): string[] {
  const p = path || '/';
  if (pathType === 'Exact' || pathType === 'ImplementationSpecific') return [p];
  if (p === '/') return ['/*'];
  return p.endsWith('/') ? [p.slice(0, -1), `${p}*`] : [p, `${p}/*`];
}

/** A backend's ready targets: its Service's port (by number or name), the endpoints' addresses on it. */
function targetsOf(deps: KubeDeps, cluster: string, ns: string, b: Backend): IngressBackendTargets['targets'] {
  const s = b.service;
  if (!s) return [];
  const read = (kind: typeof SERVICE) =>
    deps.store.read((tx) => tx.get(kubeObjects, objectKey({ cluster, kind, namespace: ns }, s.name)))?.value.object;
  const svc = read(SERVICE);
  const port = svc
    ? (serviceSpecOf(svc).ports ?? []).find((p) =>
        s.port.number !== undefined ? p.port === s.port.number : p.name === s.port.name,
      )
    : undefined;
  if (!port) return [];
  const subsets = (read(ENDPOINTS)?.['subsets'] ?? []) as {
    addresses?: { ip: string }[];
    ports?: { name?: string; port: number }[];
  }[];
  return subsets.flatMap((sub) => {
    const ep = (sub.ports ?? []).find((x) => (x.name ?? '') === (port.name ?? ''));
    return ep ? (sub.addresses ?? []).map((a) => ({ ip: a.ip, port: ep.port })) : [];
  });
}

/** Whether the Ingress is this controller's: its class's controller, or the older annotation. */
function isOurs(deps: KubeDeps, cluster: string, ing: KubeObject): boolean {
  if (metaOf(ing).annotations?.['kubernetes.io/ingress.class'] === 'alb') return true;
  const cls = ingressSpecOf(ing).ingressClassName;
  if (!cls) return false;
  const c = deps.store.read((tx) => tx.get(kubeObjects, objectKey({ cluster, kind: INGRESS_CLASS }, cls)))?.value
    .object;
  return (c?.['spec'] as { controller?: string } | undefined)?.controller === ALB_CONTROLLER;
}

function wantedOf(deps: KubeDeps, cluster: string, ing: KubeObject): WantedIngressLoadBalancer {
  const meta = metaOf(ing);
  const ns = meta.namespace ?? '';
  const spec = ingressSpecOf(ing);
  const annotations = meta.annotations ?? {};
  const backends = new Map<string, IngressBackendTargets>();
  const use = (b: Backend) => {
    const key = keyOfBackend(b);
    if (key && !backends.has(key)) backends.set(key, { key, targets: targetsOf(deps, cluster, ns, b) });
    return key;
  };
  const rules: WantedIngressLoadBalancer['rules'] = [];
  for (const r of spec.rules ?? [])
    for (const p of r.http?.paths ?? []) {
      const key = use(p.backend);
      if (key)
        rules.push({ ...(r.host ? { host: r.host } : {}), paths: pathPatterns(p.path, p.pathType), backend: key });
    }
  const defaultBackend = spec.defaultBackend ? use(spec.defaultBackend) : undefined;
  return {
    uid: meta.uid ?? '',
    cluster,
    namespace: ns,
    name: meta.name ?? '',
    // The AWS Load Balancer Controller's default scheme is internal.
    internal: annotations['alb.ingress.kubernetes.io/scheme'] !== 'internet-facing',
    ports: listenPorts(annotations['alb.ingress.kubernetes.io/listen-ports']),
    healthCheckPath: annotations['alb.ingress.kubernetes.io/healthcheck-path'] ?? '/',
    successCodes: annotations['alb.ingress.kubernetes.io/success-codes'] ?? '200',
    backends: [...backends.values()],
    rules,
    ...(defaultBackend ? { defaultBackend } : {}),
  };
}

/**
 * The listen-ports annotation (`[{"HTTP": 80}, {"HTTP": 8080}]`): its HTTP ports. HTTPS (a
 * certificate's listener) is not implemented: such an entry, or a malformed annotation, is an
 * error the controller reports on the Ingress.
 */
export function listenPorts(annotation: string | undefined): number[] {
  if (annotation === undefined) return [80];
  let v: unknown;
  try {
    v = JSON.parse(annotation);
  } catch {
    throw new Error(`failed to parse listen-ports annotation: ${annotation.slice(0, 200)}`);
  }
  if (!Array.isArray(v) || !v.length) throw new Error('listen-ports annotation must be a non-empty list');
  const ports: number[] = [];
  for (const entry of v) {
    const keys = entry && typeof entry === 'object' ? Object.keys(entry as object) : [];
    const protocol = keys[0];
    const port = protocol ? (entry as Record<string, unknown>)[protocol] : undefined;
    if (keys.length !== 1 || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`listen-ports annotation: invalid entry ${JSON.stringify(entry).slice(0, 100)}`);
    if (protocol !== 'HTTP')
      throw new Error(`listen-ports annotation: ${protocol} listeners are not implemented in berth yet`);
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

export async function syncIngressLoadBalancer(
  deps: KubeDeps,
  cluster: string,
  port: IngressLoadBalancerPort,
  ns: string,
  name: string,
): Promise<void> {
  const scope = { cluster, kind: INGRESS, namespace: ns };
  const ing = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)))?.value.object;
  if (!ing) return;
  const meta = metaOf(ing);
  const held = (meta.finalizers ?? []).includes(INGRESS_FINALIZER);
  if (meta.deletionTimestamp || !isOurs(deps, cluster, ing)) {
    if (!held) return;
    await port.removeIngress(meta.uid ?? '');
    await updateObject(deps, scope, name, (o) => ({
      ...o,
      metadata: { ...metaOf(o), finalizers: (metaOf(o).finalizers ?? []).filter((f) => f !== INGRESS_FINALIZER) },
    }));
    return;
  }
  if (!held)
    await updateObject(deps, scope, name, (o) => ({
      ...o,
      metadata: { ...metaOf(o), finalizers: [...(metaOf(o).finalizers ?? []), INGRESS_FINALIZER] },
    }));
  let lb: { hostname: string; ip: string };
  try {
    lb = await port.ensureIngress(wantedOf(deps, cluster, ing));
  } catch (e) {
    // What ELB refused (an annotation's bad health check path, say) is the Ingress's owner's to see.
    const why = e instanceof Error ? e.message : String(e);
    await recordEvent(
      deps,
      cluster,
      ing,
      'Warning',
      'FailedDeployModel',
      `Failed deploy model due to ${why}`,
      'ingress',
    );
    throw e;
  }
  const address = [{ hostname: lb.hostname, ip: lb.ip }];
  if (ingressOf(ing) === JSON.stringify(address)) return;
  await updateObject(deps, scope, name, (o) => ({ ...o, status: { loadBalancer: { ingress: address } } }), {
    statusOnly: true,
  });
  await recordEvent(deps, cluster, ing, 'Normal', 'SuccessfullyReconciled', 'Successfully reconciled', 'ingress');
}

/** The controller on the leader: a key per Ingress, from changes of Ingresses, classes, Services and Endpoints. */
export function startIngressController(
  deps: KubeDeps,
  cluster: string,
  port: IngressLoadBalancerPort,
  logger: Logger,
): { stop(): void } {
  const ingPrefix = resourcePrefix({ cluster, kind: INGRESS });
  const others = [INGRESS_CLASS, SERVICE, ENDPOINTS].map((kind) => resourcePrefix({ cluster, kind }));
  const all = () =>
    deps.store
      .read((tx) => tx.list(kubeObjects, { prefix: ingPrefix }))
      .map((e) => `${metaOf(e.value.object).namespace ?? ''}/${metaOf(e.value.object).name ?? ''}`);
  return startControllerLoop(deps, logger, {
    name: 'ingress controller',
    keysOf(c) {
      const o = changedObject(c);
      if (!o) return [];
      if (c.key.startsWith(ingPrefix)) return [`${metaOf(o).namespace ?? ''}/${metaOf(o).name ?? ''}`];
      // A class, Service or endpoints change may concern any Ingress (there are few).
      return others.some((p) => c.key.startsWith(p)) ? all() : [];
    },
    all,
    resyncMs: 30_000,
    async sync(key) {
      const [ns, name] = key.split('/') as [string, string];
      await syncIngressLoadBalancer(deps, cluster, port, ns, name);
    },
  });
}
