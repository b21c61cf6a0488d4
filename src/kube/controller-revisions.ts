import { CONTROLLER_REVISION } from './controller-revision-kind.js';
import type { KubeDeps } from './deps.js';
import { deleteObject } from './delete.js';
import { kubeObjects, metaOf, resourcePrefix, type KubeObject } from './object.js';
import { createUnlessExists, updateObject } from './objects.js';
import { ownedBy, ownerReference } from './owners.js';

const HASH = 'controller-revision-hash';
const revisionOf = (o: KubeObject) => (typeof o['revision'] === 'number' ? o['revision'] : 0);

/**
 * Records a DaemonSet's or StatefulSet's current template as its newest revision, `<set>-<hash>`:
 * made if new, or an older one whose template came back (a rollback) renumbered as the newest;
 * revisions beyond the set's revisionHistoryLimit that no live pod runs go, oldest first.
 */
export async function recordRevision(
  deps: KubeDeps,
  cluster: string,
  set: KubeObject,
  hash: string,
  liveHashes: ReadonlySet<string>,
): Promise<void> {
  const spec = (set['spec'] ?? {}) as { template?: object; revisionHistoryLimit?: number };
  const template = spec.template ?? {};
  const namespace = metaOf(set).namespace as string;
  const scope = { cluster, kind: CONTROLLER_REVISION, namespace };
  const uid = metaOf(set).uid as string;
  const name = `${metaOf(set).name as string}-${hash}`;
  const mine = deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix(scope) }))
    .map((e) => e.value.object)
    .filter((r) => ownedBy(r, uid));
  const newest = Math.max(0, ...mine.map(revisionOf));
  const data = { spec: { template: { ...template, $patch: 'replace' } } };
  // Its own name, or another revision of the same data (one a client made).
  const same = JSON.stringify(data);
  const current = mine.find((r) => metaOf(r).name === name) ?? mine.find((r) => JSON.stringify(r['data']) === same);
  if (!current) {
    const labels = (template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
    const changeCause = metaOf(set).annotations?.['kubernetes.io/change-cause'];
    await createUnlessExists(deps, scope, {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace,
        labels: { ...labels, [HASH]: hash },
        ...(changeCause ? { annotations: { 'kubernetes.io/change-cause': changeCause } } : {}),
        ownerReferences: [ownerReference(set, 'apps/v1', String(set['kind']))],
      },
      data,
      revision: newest + 1,
    });
  } else if (revisionOf(current) < newest) {
    await updateObject(deps, scope, metaOf(current).name as string, (r) => ({ ...r, revision: newest + 1 })).catch(
      () => undefined,
    );
  }
  const old = mine
    .filter((r) => r !== current && !liveHashes.has(metaOf(r).labels?.[HASH] ?? ''))
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const r of old.slice(0, Math.max(0, old.length - (spec.revisionHistoryLimit ?? 10))))
    await deleteObject(deps, scope, metaOf(r).name as string).catch(() => undefined);
}
