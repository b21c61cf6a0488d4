import type { Logger } from '../kernel/index.js';
import { startControllerLoop } from './controller-loop.js';
import type { KubeDeps } from './deps.js';
import { recordEvent } from './events.js';
import { certificateHosts, ingressSettings, pathPatterns, type IngressSettings } from './ingress-annotations.js';
import { INGRESS, INGRESS_CLASS, ingressSpecOf, type IngressSpec } from './ingress-kinds.js';
import { changedObject, kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { createUnlessExists, updateObject } from './objects.js';
import { ENDPOINTS, SERVICE } from './service-kinds.js';
import { ingressOf } from './service-load-balancers.js';
import { serviceSpecOf } from './service-rules.js';

/**
 * The AWS Load Balancer Controller's part for Ingresses of its class (controller
 * `ingress.k8s.aws/alb`, or the `kubernetes.io/ingress.class: alb` annotation): one application
 * load balancer per Ingress, its listeners (HTTP 80 by default; HTTPS with ACM certificates named
 * or discovered by host) each with rules of the Ingress's hosts and paths in order, forwarding to
 * an `ip` target group of its Service's ready endpoints; the default backend (or a 404) otherwise. The DNS name goes to `status.loadBalancer.ingress`; the
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
  /** The annotations' settings: scheme, listeners, certificates, SSL policy and redirect, health checks. */
  settings: IngressSettings;
  /** The host names HTTPS listeners' certificates are discovered by (without certificate-arn). */
  hosts: string[];
  backends: IngressBackendTargets[];
  /** In order: the first that matches a request takes it. */
  rules: { host?: string; paths: string[]; backend: string }[];
  defaultBackend?: string;
}

/** What the Ingress asks for cannot be built (a certificate not found, say): FailedBuildModel. */
export class IngressModelError extends Error {}

export interface IngressLoadBalancerPort {
  ensureIngress(want: WantedIngressLoadBalancer): Promise<{ hostname: string; ip: string }>;
  removeIngress(ingress: { uid: string; namespace: string; name: string }): Promise<void>;
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

/** The Services an Ingress's backends name. */
function servicesOf(ing: KubeObject): string[] {
  const spec = ingressSpecOf(ing);
  return [
    ...(spec.defaultBackend?.service ? [spec.defaultBackend.service.name] : []),
    ...(spec.rules ?? []).flatMap((r) =>
      (r.http?.paths ?? []).flatMap((p) => (p.backend.service ? [p.backend.service.name] : [])),
    ),
  ];
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
    settings: ingressSettings(meta.annotations ?? {}, spec),
    hosts: certificateHosts(spec),
    backends: [...backends.values()],
    rules,
    ...(defaultBackend ? { defaultBackend } : {}),
  };
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
    await port.removeIngress({ uid: meta.uid ?? '', namespace: meta.namespace ?? '', name: meta.name ?? '' });
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
  // A malformed annotation, a certificate not found, or what ELB refuses is the Ingress's owner's
  // to see, in the controller's words.
  const failed = async (e: unknown, build: boolean) => {
    const why = e instanceof Error ? e.message : String(e);
    const [reason, what] = build ? ['FailedBuildModel', 'build'] : ['FailedDeployModel', 'deploy'];
    await recordEvent(deps, cluster, ing, 'Warning', reason, `Failed ${what} model due to ${why}`, 'ingress');
    return e;
  };
  let want: WantedIngressLoadBalancer;
  try {
    want = wantedOf(deps, cluster, ing);
  } catch (e) {
    throw await failed(e, true);
  }
  let lb: { hostname: string; ip: string };
  try {
    lb = await port.ensureIngress(want);
  } catch (e) {
    throw await failed(e, e instanceof IngressModelError);
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
  const classPrefix = resourcePrefix({ cluster, kind: INGRESS_CLASS });
  const services = [SERVICE, ENDPOINTS].map((kind) => resourcePrefix({ cluster, kind }));
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
      // A class may concern any Ingress; a Service or its endpoints only the Ingresses of its
      // namespace that name it.
      if (c.key.startsWith(classPrefix)) return all();
      if (!services.some((p) => c.key.startsWith(p))) return [];
      const ns = metaOf(o).namespace ?? '';
      return deps.store
        .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: INGRESS, namespace: ns }) }))
        .filter((e) => servicesOf(e.value.object).includes(metaOf(o).name ?? ''))
        .map((e) => `${ns}/${metaOf(e.value.object).name ?? ''}`);
    },
    all,
    resyncMs: 30_000,
    async sync(key) {
      const [ns, name] = key.split('/') as [string, string];
      await syncIngressLoadBalancer(deps, cluster, port, ns, name);
    },
  });
}
