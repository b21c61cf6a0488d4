import { BerthError, type Logger } from '../kernel/index.js';
import { startControllerLoop } from './controller-loop.js';
import type { KubeDeps } from './deps.js';
import { deleteObject } from './delete.js';
import { POD } from './kinds.js';
import { matchesSelector } from './label-selector.js';
import { kubeObjects, changedObject, metaOf, resourcePrefix, type KubeObject } from './object.js';
import { createObject, updateObject } from './objects.js';
import { specOf } from './pod-rules.js';
import { ENDPOINT_SLICE, ENDPOINTS, SERVICE } from './service-kinds.js';
import { serviceSpecOf, type ServicePort } from './service-rules.js';
import { isReady } from './owners.js';

/**
 * The endpoints and endpoint-slice controllers as one: for each Service with a selector, the
 * addresses of the pods it selects (ready or not, terminating or not) and the ports its target
 * ports name in each, written as the Service's Endpoints and its EndpointSlices. Keyed by service;
 * a pod's change queues the services of its namespace.
 */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';

interface Endpoint {
  ip: string;
  pod: KubeObject;
  ready: boolean;
  terminating: boolean;
  ports: { name?: string; port: number; protocol: string }[];
}

/** The port a service port's targetPort names in a pod: a number, or a container port's name. */
function targetIn(pod: KubeObject, p: ServicePort): number | undefined {
  const t = p.targetPort ?? p.port;
  if (typeof t === 'number') return t;
  for (const c of specOf(pod).containers)
    for (const cp of c.ports ?? [])
      if (cp.name === t && (cp.protocol ?? 'TCP') === (p.protocol ?? 'TCP')) return cp.containerPort;
  return undefined;
}

function endpointsOf(service: KubeObject, pods: KubeObject[]): Endpoint[] {
  const s = serviceSpecOf(service);
  const out: Endpoint[] = [];
  for (const pod of pods) {
    const st = (pod['status'] ?? {}) as { phase?: string; podIP?: string };
    if (!st.podIP || st.phase === 'Succeeded' || st.phase === 'Failed') continue;
    if (!matchesSelector({ matchLabels: s.selector ?? {} }, metaOf(pod).labels ?? {})) continue;
    const ports = (s.ports ?? []).flatMap((p) => {
      const port = targetIn(pod, p);
      return port === undefined ? [] : [{ ...(p.name ? { name: p.name } : {}), port, protocol: p.protocol ?? 'TCP' }];
    });
    out.push({
      ip: st.podIP,
      pod,
      ready: isReady(pod) || s.publishNotReadyAddresses === true,
      terminating: Boolean(metaOf(pod).deletionTimestamp),
      ports,
    });
  }
  return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

const targetRef = (pod: KubeObject) => ({
  kind: 'Pod',
  namespace: metaOf(pod).namespace ?? '',
  name: metaOf(pod).name ?? '',
  uid: metaOf(pod).uid ?? '',
});

function address(e: Endpoint, service: string) {
  const s = specOf(e.pod);
  const hostname = s.hostname && s['subdomain'] === service ? { hostname: s.hostname } : {};
  return { ip: e.ip, ...hostname, ...(s.nodeName ? { nodeName: s.nodeName } : {}), targetRef: targetRef(e.pod) };
}

/** Endpoints' subsets: pods grouped by the ports they serve; terminating pods left out (as the controller does). */
function subsetsOf(eps: Endpoint[], service: string) {
  const groups = new Map<string, Endpoint[]>();
  for (const e of eps) {
    if (e.terminating || !e.ports.length) continue;
    const k = JSON.stringify(e.ports);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  return [...groups].map(([k, group]) => {
    const ready = group.filter((e) => e.ready).map((e) => address(e, service));
    const notReady = group.filter((e) => !e.ready).map((e) => address(e, service));
    return {
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ports: JSON.parse(k) as Endpoint['ports'],
    };
  });
}

function sliceEndpoints(group: Endpoint[], service: string) {
  return group.map((e) => {
    const a = address(e, service);
    return {
      addresses: [e.ip],
      conditions: { ready: e.ready && !e.terminating, serving: e.ready, terminating: e.terminating },
      ...(a.hostname ? { hostname: a.hostname } : {}),
      targetRef: a.targetRef,
      ...(a.nodeName ? { nodeName: a.nodeName } : {}),
    };
  });
}

const ignoreGone = (e: unknown) => {
  if (!(e instanceof BerthError && e.kind === 'NotFound')) throw e;
};

export async function syncServiceEndpoints(deps: KubeDeps, cluster: string, ns: string, name: string): Promise<void> {
  const scope = (kind: typeof SERVICE) => ({ cluster, kind, namespace: ns });
  const { service, pods, endpoints, slices } = deps.store.read((tx) => {
    const list = (kind: typeof SERVICE) =>
      tx.list(kubeObjects, { prefix: resourcePrefix(scope(kind)) }).map((e) => e.value.object);
    return {
      service: tx.get(kubeObjects, `${resourcePrefix(scope(SERVICE))}${name}`)?.value.object,
      pods: list(POD),
      endpoints: tx.get(kubeObjects, `${resourcePrefix(scope(ENDPOINTS))}${name}`)?.value.object,
      slices: list(ENDPOINT_SLICE).filter(
        (o) => metaOf(o).labels?.[SERVICE_NAME_LABEL] === name && metaOf(o).labels?.[MANAGED_BY] === SLICE_CONTROLLER,
      ),
    };
  });
  const s = service && serviceSpecOf(service);
  if (!service || !s?.selector || s.type === 'ExternalName') {
    // The service is gone (or selects nothing itself): what this controller wrote for it goes too.
    for (const sl of slices) await deleteObject(deps, scope(ENDPOINT_SLICE), metaOf(sl).name ?? '').catch(ignoreGone);
    if (!service && endpoints) await deleteObject(deps, scope(ENDPOINTS), name).catch(ignoreGone);
    return;
  }
  const eps = endpointsOf(service, pods);
  const labels = { ...(metaOf(service).labels ?? {}) };
  const subsets = subsetsOf(eps, name);
  const want = { metadata: { name, namespace: ns, labels }, subsets };
  if (!endpoints) await createObject(deps, scope(ENDPOINTS), want);
  else if (
    JSON.stringify(endpoints['subsets'] ?? []) !== JSON.stringify(subsets) ||
    JSON.stringify(metaOf(endpoints).labels ?? {}) !== JSON.stringify(labels)
  )
    await updateObject(deps, scope(ENDPOINTS), name, (cur) => ({
      ...cur,
      metadata: { ...metaOf(cur), labels },
      subsets,
    }));
  await syncSlices(deps, cluster, ns, service, eps, slices);
}

async function syncSlices(
  deps: KubeDeps,
  cluster: string,
  ns: string,
  service: KubeObject,
  eps: Endpoint[],
  slices: KubeObject[],
): Promise<void> {
  const name = metaOf(service).name ?? '';
  const scope = { cluster, kind: ENDPOINT_SLICE, namespace: ns };
  // One slice per set of ports (at least one, empty, so a service with no pods has a slice saying so).
  const groups = new Map<string, Endpoint[]>();
  const noPods = (serviceSpecOf(service).ports ?? []).map((p) => ({
    ...(p.name ? { name: p.name } : {}),
    port: typeof p.targetPort === 'number' ? p.targetPort : p.port,
    protocol: p.protocol ?? 'TCP',
  }));
  for (const e of eps) {
    const k = JSON.stringify(e.ports);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  if (!groups.size) groups.set(JSON.stringify(noPods), []);
  const owner = {
    apiVersion: 'v1',
    kind: 'Service',
    name,
    uid: metaOf(service).uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
  const labels = { ...(metaOf(service).labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY]: SLICE_CONTROLLER };
  const unused = [...slices];
  for (const [k, group] of groups) {
    const body = {
      addressType: 'IPv4',
      endpoints: sliceEndpoints(group, name),
      ports: (JSON.parse(k) as Endpoint['ports']).map((p) => ({
        name: p.name ?? '',
        port: p.port,
        protocol: p.protocol,
      })),
    };
    const i = unused.findIndex((sl) => JSON.stringify(sl['ports']) === JSON.stringify(body.ports));
    const have = i >= 0 ? unused.splice(i, 1)[0] : unused.shift();
    if (!have)
      await createObject(deps, scope, {
        metadata: { generateName: `${name}-`, namespace: ns, labels, ownerReferences: [owner] },
        ...body,
      });
    else if (
      JSON.stringify([have['endpoints'], have['ports'], metaOf(have).labels]) !==
      JSON.stringify([body.endpoints, body.ports, labels])
    )
      await updateObject(deps, scope, metaOf(have).name ?? '', (cur) => ({
        ...cur,
        metadata: { ...metaOf(cur), labels, ownerReferences: [owner] },
        ...body,
      }));
  }
  for (const sl of unused) await deleteObject(deps, scope, metaOf(sl).name ?? '').catch(ignoreGone);
}

/** The controller on the leader: one key per service (`<ns>/<name>`), a resync every 10 s. */
export function startServiceControllers(deps: KubeDeps, cluster: string, logger: Logger): { stop(): void } {
  const svcPrefix = resourcePrefix({ cluster, kind: SERVICE });
  const podPrefix = resourcePrefix({ cluster, kind: POD });
  const keyOf = (o: KubeObject) => `${metaOf(o).namespace ?? ''}/${metaOf(o).name ?? ''}`;
  const servicesIn = (ns: string) =>
    deps.store
      .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: SERVICE, namespace: ns }) }))
      .map((e) => keyOf(e.value.object));
  return startControllerLoop(deps, logger, {
    name: 'endpoints controller',
    keysOf(c) {
      const o = changedObject(c);
      if (!o) return [];
      if (c.key.startsWith(svcPrefix)) return [keyOf(o)];
      if (c.key.startsWith(podPrefix)) return servicesIn(metaOf(o).namespace ?? '');
      return [];
    },
    all: () => deps.store.read((tx) => tx.list(kubeObjects, { prefix: svcPrefix })).map((e) => keyOf(e.value.object)),
    async sync(key) {
      const [ns, name] = key.split('/') as [string, string];
      await syncServiceEndpoints(deps, cluster, ns, name);
    },
  });
}
