import type { Logger } from '../kernel/index.js';
import { startControllerLoop } from './controller-loop.js';
import { kindsOf } from './custom-kinds.js';
import type { KubeDeps } from './deps.js';
import { NAMESPACE } from './kinds.js';
import { changedObject, kubeObjects, metaOf, resourcePrefix } from './object.js';
import { updateObject } from './objects.js';
import { quotaSpecOf, RESOURCE_QUOTA } from './quota-kinds.js';
import { quotaAmount, quotaUsage } from './resource-quota.js';

/**
 * The resource quota controller: each quota's `status.hard` (its spec's) and `status.used` (what
 * its namespace holds now, as the admission plugin counts it), kept current as the namespace's
 * objects change (`kubectl describe quota` reads them). A key per namespace that has quotas.
 */
export async function syncQuotas(deps: KubeDeps, cluster: string, namespace: string): Promise<void> {
  const scope = { cluster, kind: RESOURCE_QUOTA, namespace };
  const quotas = deps.store.read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix(scope) }));
  if (!quotas.length) return;
  const kinds = kindsOf(deps, cluster);
  for (const { value } of quotas) {
    const q = value.object;
    const hard = quotaSpecOf(q).hard ?? {};
    const used = deps.store.read((tx) => quotaUsage(tx, kinds, scope, q));
    const status = {
      hard: { ...hard },
      used: Object.fromEntries([...used].map(([k, v]) => [k, quotaAmount(k, v)])),
    };
    if (JSON.stringify(q['status']) === JSON.stringify(status)) continue;
    await updateObject(
      deps,
      scope,
      metaOf(q).name ?? '',
      (o) => ({ ...o, status, metadata: { ...metaOf(o), resourceVersion: undefined } }),
      { statusOnly: true },
    ).catch((e: unknown) => {
      // Gone meanwhile: nothing to keep.
      if (!(e instanceof Error && /not found/.test(e.message))) throw e;
    });
  }
}

export function startQuotaController(deps: KubeDeps, cluster: string, logger: Logger): { stop(): void } {
  const quotaPrefix = resourcePrefix({ cluster, kind: RESOURCE_QUOTA });
  const hasQuota = (ns: string) =>
    deps.store.read((tx) =>
      tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: RESOURCE_QUOTA, namespace: ns }), limit: 1 }),
    ).length > 0;
  return startControllerLoop(deps, logger, {
    name: 'resource quota controller',
    keysOf(c) {
      const o = changedObject(c);
      const ns = o ? metaOf(o).namespace : undefined;
      if (!ns) return [];
      // A quota's own change concerns its namespace; another object's only where a quota is.
      return c.key.startsWith(quotaPrefix) || hasQuota(ns) ? [ns] : [];
    },
    all: () =>
      deps.store
        .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: NAMESPACE }) }))
        .map((e) => metaOf(e.value.object).name ?? '')
        .filter(hasQuota),
    resyncMs: 30_000,
    sync: (ns) => syncQuotas(deps, cluster, ns),
  });
}
