import type { Logger } from '../kernel/index.js';
import { startControllerLoop } from './controller-loop.js';
import type { KubeDeps } from './deps.js';
import { recordEvent } from './events.js';
import { changedObject, kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { updateObject } from './objects.js';
import { ENDPOINTS, SERVICE } from './service-kinds.js';
import { serviceSpecOf } from './service-rules.js';

/**
 * The service controller's load balancers (the cloud provider's part on EKS): a Service of type
 * LoadBalancer gets a network load balancer, a TCP listener per port forwarding to its ready
 * endpoints (the pods' own addresses, as the AWS Load Balancer Controller's IP mode), and its
 * DNS name in `status.loadBalancer.ingress`. A finalizer keeps the Service until its load
 * balancer is gone. berth's own ELB makes the load balancer (through LoadBalancerPort: kube does
 * not import elb).
 */

export const LB_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
/** The classes this controller serves: none (the in-tree one) and the AWS Load Balancer Controller's NLB. */
const CLASSES = [undefined, 'service.k8s.aws/nlb'];

export interface WantedLoadBalancer {
  /** The Service's uid: one load balancer per Service, named after it as the in-tree provider names it. */
  uid: string;
  cluster: string;
  namespace: string;
  name: string;
  internal: boolean;
  listeners: { port: number; targets: { ip: string; port: number }[] }[];
}

export interface LoadBalancerPort {
  /** Makes the load balancer or brings it to `want`: its DNS name and address. */
  ensure(want: WantedLoadBalancer): Promise<{ hostname: string; ip: string }>;
  /** Deletes the Service's load balancer and what it made for it (none: nothing). */
  remove(uid: string): Promise<void>;
}

interface EndpointSubset {
  addresses?: { ip: string }[];
  ports?: { name?: string; port: number; protocol?: string }[];
}

/** Each TCP port's listener, with the ready addresses the endpoints give that port. */
function listenersOf(svc: KubeObject, endpoints: KubeObject | undefined): WantedLoadBalancer['listeners'] {
  const subsets = (endpoints?.['subsets'] ?? []) as EndpointSubset[];
  return (serviceSpecOf(svc).ports ?? [])
    .filter((p) => (p.protocol ?? 'TCP') === 'TCP')
    .map((p) => ({
      port: p.port,
      targets: subsets.flatMap((s) => {
        const ep = (s.ports ?? []).find((x) => (x.name ?? '') === (p.name ?? '') && (x.protocol ?? 'TCP') === 'TCP');
        return ep ? (s.addresses ?? []).map((a) => ({ ip: a.ip, port: ep.port })) : [];
      }),
    }));
}

/** A Service's or Ingress's `status.loadBalancer.ingress`, as JSON (to compare with what is wanted). */
export const ingressOf = (o: KubeObject) =>
  JSON.stringify(((o['status'] ?? {}) as { loadBalancer?: { ingress?: unknown } }).loadBalancer?.ingress ?? []);

/** One Service's pass: its load balancer made, kept in step or removed, and its status and finalizer to match. */
export async function syncServiceLoadBalancer(
  deps: KubeDeps,
  cluster: string,
  port: LoadBalancerPort,
  ns: string,
  name: string,
): Promise<void> {
  const scope = { cluster, kind: SERVICE, namespace: ns };
  const svc = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)))?.value.object;
  if (!svc) return;
  const meta = metaOf(svc);
  const spec = serviceSpecOf(svc);
  const held = (meta.finalizers ?? []).includes(LB_FINALIZER);
  const wanted =
    !meta.deletionTimestamp &&
    spec.type === 'LoadBalancer' &&
    CLASSES.includes(spec['loadBalancerClass'] as string | undefined);
  if (!wanted) {
    if (!held) return;
    await port.remove(meta.uid ?? '');
    await updateObject(deps, scope, name, (o) => ({
      ...o,
      metadata: { ...metaOf(o), finalizers: (metaOf(o).finalizers ?? []).filter((f) => f !== LB_FINALIZER) },
    }));
    if (!meta.deletionTimestamp && ingressOf(svc) !== '[]')
      await updateObject(deps, scope, name, (o) => ({ ...o, status: { loadBalancer: {} } }), { statusOnly: true });
    await recordEvent(
      deps,
      cluster,
      svc,
      'Normal',
      'DeletedLoadBalancer',
      'Deleted load balancer',
      'service-controller',
    );
    return;
  }
  if (!held)
    await updateObject(deps, scope, name, (o) => ({
      ...o,
      metadata: { ...metaOf(o), finalizers: [...(metaOf(o).finalizers ?? []), LB_FINALIZER] },
    }));
  const endpoints = deps.store.read((tx) =>
    tx.get(kubeObjects, objectKey({ cluster, kind: ENDPOINTS, namespace: ns }, name)),
  )?.value.object;
  const annotations = meta.annotations ?? {};
  const internal =
    annotations['service.beta.kubernetes.io/aws-load-balancer-internal'] === 'true' ||
    annotations['service.beta.kubernetes.io/aws-load-balancer-scheme'] === 'internal';
  const lb = await port.ensure({
    uid: meta.uid ?? '',
    cluster,
    namespace: ns,
    name,
    internal,
    listeners: listenersOf(svc, endpoints),
  });
  const ingress = [{ hostname: lb.hostname, ip: lb.ip }];
  if (ingressOf(svc) === JSON.stringify(ingress)) return;
  await updateObject(
    deps,
    scope,
    name,
    (o) => ({ ...o, status: { ...(o['status'] as object), loadBalancer: { ingress } } }),
    {
      statusOnly: true,
    },
  );
  await recordEvent(deps, cluster, svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer', 'service-controller');
}

/** The controller on the leader: a key per Service (`<ns>/<name>`), from changes of Services and their Endpoints. */
export function startLoadBalancerController(
  deps: KubeDeps,
  cluster: string,
  port: LoadBalancerPort,
  logger: Logger,
): { stop(): void } {
  const svcPrefix = resourcePrefix({ cluster, kind: SERVICE });
  const epPrefix = resourcePrefix({ cluster, kind: ENDPOINTS });
  const keyOf = (o: KubeObject) => `${metaOf(o).namespace ?? ''}/${metaOf(o).name ?? ''}`;
  return startControllerLoop(deps, logger, {
    name: 'service load balancer controller',
    keysOf(c) {
      const o = changedObject(c);
      return o && (c.key.startsWith(svcPrefix) || c.key.startsWith(epPrefix)) ? [keyOf(o)] : [];
    },
    all: () =>
      deps.store
        .read((tx) => tx.list(kubeObjects, { prefix: svcPrefix }))
        .filter((e) => serviceSpecOf(e.value.object).type === 'LoadBalancer' || metaOf(e.value.object).finalizers)
        .map((e) => keyOf(e.value.object)),
    resyncMs: 30_000,
    async sync(key) {
      const [ns, name] = key.split('/') as [string, string];
      await syncServiceLoadBalancer(deps, cluster, port, ns, name);
    },
  });
}
