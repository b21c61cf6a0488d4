import type { ReadTx } from '../store/index.js';
import type { KindDef } from './kind-def.js';
import type { KubeObject } from './meta.js';
import { forbidden, kubeObjects, metaOf, resourcePrefix, type Scope } from './object.js';
import { podTotals, qosClass, specOf } from './pod-rules.js';
import { formatQuantity, parseQuantity } from './quantity.js';
import { OBJECT_COUNTS, quotaSpecOf, RESOURCE_QUOTA } from './quota-kinds.js';

/**
 * The ResourceQuota admission plugin's rules, and the usage the quota controller writes: what
 * each object of a namespace counts against a quota (a pod its count and its containers'
 * requests and limits, a Service its node ports and load balancer, a claim its storage, any
 * object `count/<resource>.<group>`), which pods a scoped quota counts, and the refusal of a
 * write that would go over a quota.
 */
const ALIAS: Readonly<Record<string, string>> = {
  cpu: 'requests.cpu',
  memory: 'requests.memory',
  'ephemeral-storage': 'requests.ephemeral-storage',
};
/** The core kinds that count each named resource: objects, and a claim's storage. */
const COUNTED_BY: Readonly<Record<string, string>> = { ...OBJECT_COUNTS, 'requests.storage': 'PersistentVolumeClaim' };

const COMPUTE = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
const resourceOf = (key: string) => (Object.hasOwn(ALIAS, key) ? (ALIAS[key] as string) : key);

const phaseOf = (p: KubeObject) => (p['status'] as { phase?: string } | undefined)?.phase;
const terminal = (p: KubeObject) => ['Succeeded', 'Failed'].includes(phaseOf(p) ?? '');

/** A pod's requests or limits of a resource, with its overhead. */
function podResource(pod: KubeObject, which: 'requests' | 'limits', name: string): number {
  const s = specOf(pod);
  const overhead = parseQuantity((s['overhead'] as Record<string, string> | undefined)?.[name] ?? 0) ?? 0;
  return (podTotals(s, which)[name] ?? 0) + overhead;
}

/** What an object counts of a quota's resource (its key as the quota names it). */
export function usageOf(kind: KindDef, o: KubeObject, key: string): number {
  const r = resourceOf(key);
  if (r.startsWith('count/')) {
    const want = r.slice('count/'.length);
    return want === (kind.group ? `${kind.plural}.${kind.group}` : kind.plural) ? 1 : 0;
  }
  if (kind.group !== '') return 0;
  if (kind.kind === 'Pod') {
    if (terminal(o)) return 0;
    if (r === 'pods') return 1;
    const m = /^(requests|limits)\.(.+)$/.exec(r);
    return m ? podResource(o, m[1] as 'requests' | 'limits', m[2] as string) : 0;
  }
  if (kind.kind === 'Service') {
    const s = (o['spec'] ?? {}) as { type?: string; ports?: unknown[] };
    if (r === 'services') return 1;
    if (r === 'services.loadbalancers') return s.type === 'LoadBalancer' ? 1 : 0;
    if (r === 'services.nodeports')
      return s.type === 'NodePort' || s.type === 'LoadBalancer' ? (s.ports ?? []).length : 0;
    return 0;
  }
  if (kind.kind === 'PersistentVolumeClaim') {
    const s = (o['spec'] ?? {}) as { storageClassName?: string; resources?: { requests?: Record<string, string> } };
    const storage = parseQuantity(s.resources?.requests?.['storage'] ?? 0) ?? 0;
    const cls = `${s.storageClassName ?? ''}.storageclass.storage.k8s.io/`;
    if (r === 'persistentvolumeclaims' || r === `${cls}persistentvolumeclaims`) return 1;
    if (r === 'requests.storage' || r === `${cls}requests.storage`) return storage;
    return 0;
  }
  return Object.hasOwn(COUNTED_BY, r) && COUNTED_BY[r] === kind.kind ? 1 : 0;
}

/** Whether a quota counts an object: a scoped quota only pods of its scopes, an unscoped one everything. */
export function quotaCovers(quota: KubeObject, kind: KindDef, o: KubeObject): boolean {
  const spec = quotaSpecOf(quota);
  const exprs = spec.scopeSelector?.matchExpressions ?? [];
  const scopes = [...(spec.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })), ...exprs];
  if (!scopes.length) return true;
  if (kind.kind !== 'Pod' || kind.group !== '') return false;
  const s = specOf(o);
  return scopes.every((e) => {
    const values = (e as { values?: string[] }).values ?? [];
    switch (e.scopeName) {
      case 'Terminating':
        return typeof s['activeDeadlineSeconds'] === 'number';
      case 'NotTerminating':
        return typeof s['activeDeadlineSeconds'] !== 'number';
      case 'BestEffort':
        return qosClass(s) === 'BestEffort';
      case 'NotBestEffort':
        return qosClass(s) !== 'BestEffort';
      case 'PriorityClass': {
        const name = s['priorityClassName'] as string | undefined;
        if (e.operator === 'Exists') return name !== undefined && name !== '';
        if (e.operator === 'DoesNotExist') return !name;
        return e.operator === 'In' ? values.includes(name ?? '') : !values.includes(name ?? '');
      }
      case 'CrossNamespacePodAffinity': {
        const terms = [s.affinity?.podAffinity, s.affinity?.podAntiAffinity].flatMap((a) => {
          const x = a as { requiredDuringSchedulingIgnoredDuringExecution?: object[] } | undefined;
          return x?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
        }) as { namespaces?: string[]; namespaceSelector?: object }[];
        return terms.some((t) => t.namespaceSelector !== undefined || (t.namespaces ?? []).length > 0);
      }
      default:
        return false;
    }
  });
}

/** The kinds whose objects a resource counts (each stored kind once: not its other versions). */
function kindsCounting(key: string, kinds: readonly KindDef[]): KindDef[] {
  const r = resourceOf(key);
  const stored = kinds.filter((k) => !k.virtual && !k.storedAs);
  if (r.startsWith('count/'))
    return stored.filter((k) => r.slice('count/'.length) === (k.group ? `${k.plural}.${k.group}` : k.plural));
  const core = (kind: string) => stored.filter((k) => k.group === '' && k.kind === kind);
  if (Object.hasOwn(COUNTED_BY, r)) return core(COUNTED_BY[r] as string);
  if (r.includes('.storageclass.storage.k8s.io/')) return core('PersistentVolumeClaim');
  return /^(requests|limits)\./.test(r) ? core('Pod') : [];
}

/** How much of each of a quota's resources its namespace uses now (in base units). */
export function quotaUsage(
  tx: ReadTx,
  kinds: readonly KindDef[],
  scope: Scope,
  quota: KubeObject,
): Map<string, number> {
  const out = new Map<string, number>();
  const lists = new Map<KindDef, KubeObject[]>();
  const objects = (k: KindDef) => {
    let l = lists.get(k);
    if (!l) {
      l = tx.list(kubeObjects, { prefix: resourcePrefix({ ...scope, kind: k }) }).map((e) => e.value.object);
      lists.set(k, l);
    }
    return l;
  };
  for (const key of Object.keys(quotaSpecOf(quota).hard ?? {})) {
    let n = 0;
    for (const k of kindsCounting(key, kinds))
      for (const o of objects(k)) if (quotaCovers(quota, k, o)) n += usageOf(k, o, key);
    out.set(key, n);
  }
  return out;
}

/** A resource's amount as a quota's status or refusal shows it. */
export const quotaAmount = (key: string, v: number) => formatQuantity(v, /memory|storage/.test(key));

/**
 * In the write's transaction: refuses an object (new, or changed from `prev`) that would take a
 * quota of its namespace over its hard limits, or a pod that does not say the compute resources
 * a quota counts, in the ResourceQuota plugin's words.
 */
export function checkQuotas(
  tx: ReadTx,
  kinds: readonly KindDef[],
  scope: Scope,
  next: KubeObject,
  prev?: KubeObject,
): void {
  if (!scope.kind.namespaced || !scope.namespace) return;
  const quotas = tx
    .list(kubeObjects, { prefix: resourcePrefix({ ...scope, kind: RESOURCE_QUOTA }) })
    .map((e) => e.value.object)
    .filter((q) => quotaCovers(q, scope.kind, next))
    .sort((a, b) => String(metaOf(a).name).localeCompare(String(metaOf(b).name)));
  const name = metaOf(next).name ?? '';
  for (const q of quotas) {
    const hard = quotaSpecOf(q).hard ?? {};
    const qName = metaOf(q).name ?? '';
    if (scope.kind.kind === 'Pod' && scope.kind.group === '' && !prev) {
      const s = specOf(next);
      const missing = Object.keys(hard)
        .filter((k) => COMPUTE.includes(resourceOf(k)))
        .filter((k) => {
          const [which, res] = resourceOf(k).split('.') as ['requests' | 'limits', string];
          return [...s.containers, ...(s.initContainers ?? [])].some((c) => c.resources?.[which]?.[res] === undefined);
        })
        .sort();
      if (missing.length) throw forbidden(scope, name, `failed quota: ${qName}: must specify ${missing.join(',')}`);
    }
    const over: string[] = [];
    let used: Map<string, number> | undefined;
    const asked = new Map<string, number>();
    for (const key of Object.keys(hard).sort()) {
      const delta =
        usageOf(scope.kind, next, key) -
        (prev && quotaCovers(q, scope.kind, prev) ? usageOf(scope.kind, prev, key) : 0);
      if (delta <= 0) continue;
      used ??= quotaUsage(tx, kinds, scope, q);
      // What is counted now includes the object as it was before this write.
      const limit = parseQuantity(hard[key] as string | number) ?? 0;
      if ((used.get(key) ?? 0) + delta > limit + 1e-9) {
        over.push(key);
        asked.set(key, delta);
      }
    }
    if (over.length) {
      const list = (f: (k: string) => number) => over.map((k) => `${k}=${quotaAmount(k, f(k))}`).join(',');
      throw forbidden(
        scope,
        name,
        `exceeded quota: ${qName}, requested: ${list((k) => asked.get(k) ?? 0)}, used: ${list((k) => used?.get(k) ?? 0)}, limited: ${over.map((k) => `${k}=${String(hard[k])}`).join(',')}`,
      );
    }
  }
}
