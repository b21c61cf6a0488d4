import type { KindDef } from '../kube/index.js';

/**
 * Discovery as kubectl 1.32 reads it: the aggregated documents (apidiscovery.k8s.io/v2, one
 * request for every group) when the client asks for them, else the legacy ones (`/api`,
 * `/api/v1`, `/apis`, `/apis/<group>/<version>`).
 */
export const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether an Accept header asks for the aggregated document (v2) before plain JSON. */
export function wantsAggregated(accept: string | undefined): boolean {
  if (!accept) return false;
  const first = accept.split(',')[0]?.replace(/\s+/g, '') ?? '';
  return first.includes('as=APIGroupDiscoveryList') && first.includes('v=v2') && !first.includes('v=v2beta1');
}

/** The subresources served, by resource: what each answers as, and its verbs. */
const SUBRESOURCES: Readonly<
  Record<string, { name: string; kind: { group: string; version: string; kind: string }; verbs: string[] }[]>
> = {
  pods: [
    { name: 'attach', kind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] },
    { name: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
    { name: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
    { name: 'log', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
    {
      name: 'portforward',
      kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' },
      verbs: ['create', 'get'],
    },
    { name: 'status', kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
  ],
  deployments: [
    { name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
    { name: 'status', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, verbs: ['get'] },
  ],
  daemonsets: [{ name: 'status', kind: { group: 'apps', version: 'v1', kind: 'DaemonSet' }, verbs: ['get'] }],
  jobs: [{ name: 'status', kind: { group: 'batch', version: 'v1', kind: 'Job' }, verbs: ['get'] }],
  statefulsets: [
    { name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
    { name: 'status', kind: { group: 'apps', version: 'v1', kind: 'StatefulSet' }, verbs: ['get'] },
  ],
  cronjobs: [{ name: 'status', kind: { group: 'batch', version: 'v1', kind: 'CronJob' }, verbs: ['get'] }],
  serviceaccounts: [
    { name: 'token', kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] },
  ],
  services: [{ name: 'status', kind: { group: '', version: 'v1', kind: 'Service' }, verbs: ['get'] }],
  resourcequotas: [{ name: 'status', kind: { group: '', version: 'v1', kind: 'ResourceQuota' }, verbs: ['get'] }],
  replicationcontrollers: [
    { name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
    { name: 'status', kind: { group: '', version: 'v1', kind: 'ReplicationController' }, verbs: ['get'] },
  ],
  replicasets: [
    { name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
    { name: 'status', kind: { group: 'apps', version: 'v1', kind: 'ReplicaSet' }, verbs: ['get'] },
  ],
};
/** A kind's subresources: a custom kind's status when its CRD asks for one, a built-in kind's as listed. */
function subresourcesOf(k: KindDef) {
  const verbs = ['get', 'patch', 'update'];
  if (k.custom)
    return [
      ...(k.keepsStatus ? [{ name: 'status', kind: { group: k.group, version: k.version, kind: k.kind }, verbs }] : []),
      ...(k.scalePaths ? [{ name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs }] : []),
    ];
  return Object.hasOwn(SUBRESOURCES, k.plural) ? (SUBRESOURCES[k.plural] ?? []) : [];
}

function groups(kinds: readonly KindDef[], core: boolean): Map<string, Map<string, KindDef[]>> {
  const out = new Map<string, Map<string, KindDef[]>>();
  for (const k of kinds) {
    if ((k.group === '') !== core) continue;
    const versions = out.get(k.group) ?? new Map<string, KindDef[]>();
    versions.set(k.version, [...(versions.get(k.version) ?? []), k]);
    out.set(k.group, versions);
  }
  return out;
}

/** `/api` or `/apis` as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(kinds: readonly KindDef[], core: boolean): unknown {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: [...groups(kinds, core)].map(([group, versions]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions].map(([version, kinds]) => ({
        version,
        resources: kinds.map((k) => ({
          resource: k.plural,
          responseKind: { group: k.group, version: k.version, kind: k.kind },
          scope: k.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: k.singular,
          verbs: k.verbs,
          ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
          ...(k.categories ? { categories: k.categories } : {}),
          ...(subresourcesOf(k).length
            ? {
                subresources: subresourcesOf(k).map((r) => ({
                  subresource: r.name,
                  responseKind: r.kind,
                  verbs: r.verbs,
                })),
              }
            : {}),
        })),
        freshness: 'Current',
      })),
    })),
  };
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(kinds: readonly KindDef[]): unknown {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups(kinds, false)].map(([group, versions]) => {
      const list = [...versions.keys()].map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
      return { name: group, versions: list, preferredVersion: list[0] };
    }),
  };
}

/** `/api/v1` or `/apis/<group>/<version>`, or undefined when no kind is served there. */
export function apiResourceList(all: readonly KindDef[], group: string, version: string): unknown {
  const kinds = all.filter((k) => k.group === group && k.version === version);
  if (!kinds.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: kinds.flatMap((k) => [
      {
        name: k.plural,
        singularName: k.singular,
        namespaced: k.namespaced,
        kind: k.kind,
        verbs: k.verbs,
        ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
        ...(k.categories ? { categories: k.categories } : {}),
        storageVersionHash: '',
      },
      ...subresourcesOf(k).map((r) => ({
        name: `${k.plural}/${r.name}`,
        singularName: '',
        namespaced: k.namespaced,
        ...(r.kind.group !== k.group ? { group: r.kind.group, version: r.kind.version } : {}),
        kind: r.kind.kind,
        verbs: r.verbs,
      })),
    ]),
  };
}

/** `/version`: the Kubernetes version whose API is served. */
export function versionInfo(berthVersion: string): unknown {
  return {
    major: '1',
    minor: '32',
    gitVersion: `v1.32.0-berth.${berthVersion}`,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '',
    goVersion: '',
    compiler: 'berth',
    platform: 'linux/amd64',
  };
}
