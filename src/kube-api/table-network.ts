import type { KubeObject } from '../kube/index.js';
import { AGE, NAME, type Column } from './table-columns.js';

/** The columns of Service, Endpoints and EndpointSlice, as the API server's printers make them. */
type Spec = {
  type?: string;
  clusterIP?: string;
  externalName?: string;
  externalIPs?: string[];
  selector?: Record<string, string>;
  ports?: { port: number; nodePort?: number; protocol?: string }[];
};
const spec = (o: KubeObject) => (o['spec'] ?? {}) as Spec;

/** The first three of a list and how many more, as the printers shorten endpoints. */
function firstThree(items: string[]): string {
  if (!items.length) return '<none>';
  const more = items.length - 3;
  return more > 0 ? `${items.slice(0, 3).join(',')} + ${more} more...` : items.join(',');
}

function externalIP(o: KubeObject): string {
  const s = spec(o);
  if (s.type === 'ExternalName') return s.externalName ?? '';
  const ips = [...(s.externalIPs ?? [])];
  if (s.type === 'LoadBalancer') {
    const ingress = (
      (o['status'] as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } })?.loadBalancer?.ingress ??
      []
    ).map((i) => i.ip ?? i.hostname ?? '');
    return [...ips, ...ingress].join(',') || '<pending>';
  }
  return ips.length ? ips.join(',') : '<none>';
}

export const NETWORK_COLUMNS: Record<string, Column[]> = {
  Service: [
    NAME,
    { name: 'Type', type: 'string', description: 'The type of the service', cell: (o) => spec(o).type ?? '' },
    {
      name: 'Cluster-IP',
      type: 'string',
      description: 'The cluster IP of the service',
      cell: (o) => (spec(o).type === 'ExternalName' ? '<none>' : (spec(o).clusterIP ?? '<none>')),
    },
    { name: 'External-IP', type: 'string', description: 'The external IP of the service', cell: externalIP },
    {
      name: 'Port(s)',
      type: 'string',
      description: 'The ports of the service',
      cell: (o) =>
        (spec(o).ports ?? [])
          .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
          .join(',') || '<none>',
    },
    AGE,
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      description: 'The selector of the service',
      cell: (o) =>
        Object.entries(spec(o).selector ?? {})
          .sort()
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '<none>',
    },
  ],
  Endpoints: [
    NAME,
    {
      name: 'Endpoints',
      type: 'string',
      description: 'The endpoints of the service',
      cell: (o) =>
        firstThree(
          ((o['subsets'] ?? []) as { addresses?: { ip: string }[]; ports?: { port: number }[] }[]).flatMap((s) =>
            (s.addresses ?? []).flatMap((a) => (s.ports?.length ? s.ports.map((p) => `${a.ip}:${p.port}`) : [a.ip])),
          ),
        ),
    },
    AGE,
  ],
  EndpointSlice: [
    NAME,
    {
      name: 'AddressType',
      type: 'string',
      description: 'The type of the addresses',
      cell: (o) => o['addressType'] ?? '',
    },
    {
      name: 'Ports',
      type: 'string',
      description: 'The ports of the slice',
      cell: (o) => ((o['ports'] ?? []) as { port?: number }[]).map((p) => String(p.port ?? '')).join(',') || '<unset>',
    },
    {
      name: 'Endpoints',
      type: 'string',
      description: 'The addresses of the slice',
      cell: (o) => firstThree(((o['endpoints'] ?? []) as { addresses: string[] }[]).flatMap((e) => e.addresses)),
    },
    AGE,
  ],
  Ingress: [
    NAME,
    {
      name: 'Class',
      type: 'string',
      description: 'The ingress class',
      cell: (o) => (o['spec'] as { ingressClassName?: string } | undefined)?.ingressClassName ?? '<none>',
    },
    {
      name: 'Hosts',
      type: 'string',
      description: 'The hosts of its rules',
      cell: (o) => {
        const rules = ((o['spec'] as { rules?: { host?: string }[] } | undefined)?.rules ?? []).map(
          (r) => r.host || '*',
        );
        const more = rules.length - 3;
        return rules.length ? `${rules.slice(0, 3).join(',')}${more > 0 ? ` + ${more} more...` : ''}` : '*';
      },
    },
    {
      name: 'Address',
      type: 'string',
      description: 'Where it is served',
      cell: (o) =>
        (
          (o['status'] as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } | undefined)
            ?.loadBalancer?.ingress ?? []
        )
          .map((i) => i.ip || i.hostname || '')
          .join(','),
    },
    {
      name: 'Ports',
      type: 'string',
      description: 'The ports it is served on',
      cell: (o) => ((o['spec'] as { tls?: unknown[] } | undefined)?.tls?.length ? '80, 443' : '80'),
    },
    AGE,
  ],
  IngressClass: [
    NAME,
    {
      name: 'Controller',
      type: 'string',
      description: 'The controller that serves its ingresses',
      cell: (o) => (o['spec'] as { controller?: string } | undefined)?.controller ?? '',
    },
    {
      name: 'Parameters',
      type: 'string',
      description: 'Its parameters',
      cell: (o) => {
        const p = (o['spec'] as { parameters?: { apiGroup?: string; kind: string; name: string } } | undefined)
          ?.parameters;
        return p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
      },
    },
    AGE,
  ],
};
