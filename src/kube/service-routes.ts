import type { Backend, ServiceRoutes } from '../wire/index.js';
import { createUnlessExists } from './objects.js';
import type { KubeDeps } from './deps.js';
import { kubeObjects, metaOf, resourcePrefix, type KubeObject } from './object.js';
import { ENDPOINTS, SERVICE } from './service-kinds.js';
import { serviceSpecOf } from './service-rules.js';
import { API_SERVICE } from './api-service.js';

/** Where cluster DNS answers (the kube-dns Service's address, as clusters conventionally have it) and its zone. */
export const CLUSTER_DNS_IP = '10.96.0.10';
export const CLUSTER_ZONE = 'cluster.local';

type Subset = {
  addresses?: { ip: string; hostname?: string }[];
  ports?: { name?: string; port: number; protocol?: string }[];
};

/**
 * What every node serves for a cluster's Services: each cluster IP's ports and node ports with the
 * ready endpoints behind them, and the DNS names `<service>.<namespace>.svc.cluster.local` (a
 * headless service's name gives its ready pods' addresses, and `<hostname>.<service>…` each one's).
 */
export function serviceRoutes(services: KubeObject[], endpoints: Map<string, KubeObject>): ServiceRoutes {
  const routes: Required<ServiceRoutes> = {
    virtual: [],
    hostPorts: [],
    dns: { ip: CLUSTER_DNS_IP, zone: CLUSTER_ZONE, records: [] },
  };
  for (const svc of services) {
    const s = serviceSpecOf(svc);
    const ns = metaOf(svc).namespace ?? '';
    const name = metaOf(svc).name ?? '';
    if (s.type === 'ExternalName') continue;
    const subsets = (endpoints.get(`${ns}/${name}`)?.['subsets'] ?? []) as Subset[];
    const fqdn = `${name}.${ns}.svc.${CLUSTER_ZONE}`;
    const api = ns === API_SERVICE.namespace && name === API_SERVICE.name;
    for (const p of s.ports ?? []) {
      const protocol = (p.protocol ?? 'TCP') === 'UDP' ? ('udp' as const) : ('tcp' as const);
      // The API server: whichever berth server the node's agent is connected to (api-service.ts);
      // any other Service: its ready endpoints.
      const backends: Backend[] = api ? [{ ip: '', port: 0, controlPlane: true }] : [];
      for (const sub of api ? [] : subsets) {
        const port = (sub.ports ?? []).find(
          (x) => (x.name ?? '') === (p.name ?? '') && (x.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
        );
        if (port) for (const a of sub.addresses ?? []) backends.push({ ip: a.ip, port: port.port });
      }
      if (s.clusterIP && s.clusterIP !== 'None')
        routes.virtual.push({ ip: s.clusterIP, port: p.port, protocol, backends });
      if (p.nodePort) routes.hostPorts.push({ port: p.nodePort, protocol, backends });
    }
    const ready = subsets.flatMap((sub) => sub.addresses ?? []);
    if (s.clusterIP && s.clusterIP !== 'None') routes.dns.records.push({ name: fqdn, ips: [s.clusterIP] });
    else if (s.clusterIP === 'None') {
      routes.dns.records.push({ name: fqdn, ips: [...new Set(ready.map((a) => a.ip))].sort() });
      for (const a of ready) if (a.hostname) routes.dns.records.push({ name: `${a.hostname}.${fqdn}`, ips: [a.ip] });
    }
  }
  return routes;
}

/**
 * A cluster's routes kept from the store: recomputed when a Service or Endpoints object changes,
 * listeners told once per batch of changes.
 */
export class ServiceRoutesView {
  private cached?: ServiceRoutes;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;
  private readonly prefixes: string[];
  private pending = false;

  constructor(
    private readonly deps: KubeDeps,
    private readonly cluster: string,
  ) {
    this.prefixes = [SERVICE, ENDPOINTS].map((kind) => resourcePrefix({ cluster, kind }));
    this.unsubscribe = deps.store.subscribe((changes) => {
      if (!changes.some((c) => c.table === kubeObjects.name && this.prefixes.some((p) => c.key.startsWith(p)))) return;
      this.cached = undefined;
      if (this.pending) return;
      this.pending = true;
      queueMicrotask(() => {
        this.pending = false;
        for (const l of this.listeners) l();
      });
    });
  }

  routes(): ServiceRoutes {
    this.cached ??= this.deps.store.read((tx) => {
      const [svcPrefix, epPrefix] = this.prefixes as [string, string];
      const services = tx.list(kubeObjects, { prefix: svcPrefix }).map((e) => e.value.object);
      const endpoints = new Map(
        tx
          .list(kubeObjects, { prefix: epPrefix })
          .map((e) => [
            `${metaOf(e.value.object).namespace ?? ''}/${metaOf(e.value.object).name ?? ''}`,
            e.value.object,
          ]),
      );
      return serviceRoutes(services, endpoints);
    });
    return this.cached;
  }

  watch(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
  }
}

/**
 * The `kube-dns` Service in kube-system at the cluster DNS address, as EKS has it, so that clients
 * that look it up find it (its server is every node's agent, not pods: it selects none).
 */
export async function ensureClusterDns(deps: KubeDeps, cluster: string): Promise<void> {
  const scope = { cluster, kind: SERVICE, namespace: 'kube-system' };
  const exists = deps.store.read((tx) => tx.get(kubeObjects, `${resourcePrefix(scope)}kube-dns`));
  if (exists) return;
  // Another server may make it first.
  await createUnlessExists(deps, scope, {
    metadata: {
      name: 'kube-dns',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
    },
    spec: {
      clusterIP: CLUSTER_DNS_IP,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  });
}
