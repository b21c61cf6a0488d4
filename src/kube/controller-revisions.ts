import { CONTROLLER_REVISION } from './controller-revision-kind.js';
import type { KubeDeps } from './deps.js';
import { deleteObject } from './delete.js';
import { kubeObjects, metaOf, resourcePrefix, type KubeObject } from './object.js';
import { createUnlessExists, updateObject } from './objects.js';
import { ownedBy, ownerReference } from './owners.js';

const HASH = 'controller-revision-hash';
const revisionOf = (o: KubeObject) => (typeof o['revision'] === 'number' ? o['revision'] : 0);

/** The set whose history is kept: the object, its kind as an owner reference names it, its template's hash and limit. */
export interface RevisionOwner {
  set: KubeObject;
  apiVersion: string;
  kind: string;
  template: unknown;
  hash: string;
  historyLimit: number;
}

/**
 * Records the set's current template as its newest revision, `<set>-<hash>`: made if new, or an
 * older one whose template came back (a rollback) renumbered as the newest; revisions beyond the
 * history limit that no live pod runs go, oldest first. Answers the current revision's number.
 */
export async function recordRevision(
  deps: KubeDeps,
  cluster: string,
  owner: RevisionOwner,
  liveHashes: ReadonlySet<string>,
): Promise<number> {
  const namespace = metaOf(owner.set).namespace as string;
  const scope = { cluster, kind: CONTROLLER_REVISION, namespace };
  const uid = metaOf(owner.set).uid as string;
  const name = `${metaOf(owner.set).name as string}-${owner.hash}`;
  const mine = deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix(scope) }))
    .map((e) => e.value.object)
    .filter((r) => ownedBy(r, uid));
  const newest = Math.max(0, ...mine.map(revisionOf));
  const data = { spec: { template: { ...(owner.template as object), $patch: 'replace' } } };
  // Its own name, or another revision of the same data (one a client made).
  const same = JSON.stringify(data);
  const current = mine.find((r) => metaOf(r).name === name) ?? mine.find((r) => JSON.stringify(r['data']) === same);
  let number = current ? revisionOf(current) : newest + 1;
  if (!current) {
    const labels = (owner.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
    const changeCause = metaOf(owner.set).annotations?.['kubernetes.io/change-cause'];
    await createUnlessExists(deps, scope, {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace,
        labels: { ...labels, [HASH]: owner.hash },
        ...(changeCause ? { annotations: { 'kubernetes.io/change-cause': changeCause } } : {}),
        ownerReferences: [ownerReference(owner.set, owner.apiVersion, owner.kind)],
      },
      data,
      revision: number,
    });
  } else if (number < newest) {
    number = newest + 1;
    await updateObject(deps, scope, metaOf(current).name as string, (r) => ({ ...r, revision: number })).catch(
      () => undefined,
    );
  }
  const old = mine
    .filter((r) => r !== current && !liveHashes.has(metaOf(r).labels?.[HASH] ?? ''))
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const r of old.slice(0, Math.max(0, old.length - owner.historyLimit)))
    await deleteObject(deps, scope, metaOf(r).name as string).catch(() => undefined);
  return number;
}
