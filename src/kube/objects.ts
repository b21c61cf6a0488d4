import { BerthError, alreadyExists, invalidParameter, notFound } from '../kernel/index.js';
import type { ReadTx, WriteTx } from '../store/index.js';
import type { KubeDeps, WriteOptions, Written } from './deps.js';
import { apiVersionOf, NAMESPACE, type KindDef } from './kinds.js';
import { admissionFor } from './admission.js';
import { anyWebhooks } from './admission-webhooks.js';
import { createWithWebhooks, updateWithWebhooks } from './webhook-writes.js';
import { settleManaged } from './managed-fields.js';
import { checkShape } from './shape.js';
import {
  kubeObjects,
  kubeTombstones,
  metaOf,
  missing,
  objectKey,
  resourcePrefix,
  served,
  storageScope,
  type KubeObject,
  type Scope,
} from './object.js';
import { checkTypeAndPlace, newObject, timestamp, updatedObject, validateObject } from './write-rules.js';

/** Get, create, update and delete of any kind served; list and watch are in list.ts and watch.ts. */

export function getObject(deps: KubeDeps, scope: Scope, name: string): KubeObject {
  const e = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)));
  if (!e) throw missing(scope, name);
  return served(scope.kind, e.value.object, e.modRevision);
}

/** A namespaced object's namespace exists and is not being deleted. */
function checkNamespace(tx: ReadTx, scope: Scope, name: string): void {
  if (!scope.kind.namespaced) return;
  const ns = scope.namespace as string;
  const e = tx.get(kubeObjects, objectKey({ cluster: scope.cluster, kind: NAMESPACE }, ns));
  if (!e) throw notFound(`namespaces "${ns}" not found`, { resource: 'namespaces', name: ns, group: '' });
  if (metaOf(e.value.object).deletionTimestamp)
    throw new BerthError(
      'AccessDenied',
      `${scope.kind.plural} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
      { resource: scope.kind.plural, name, group: scope.kind.group, reason: 'terminating' },
    );
}

/** Reads back what a transaction wrote: its resourceVersion is the revision it got. */
function readBack(deps: KubeDeps, scope: Scope, name: string, fallback: KubeObject): KubeObject {
  const e = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)));
  return e ? served(scope.kind, e.value.object, e.modRevision) : fallback;
}

export async function createObject(
  deps: KubeDeps,
  scope: Scope,
  body: unknown,
  opts: WriteOptions = {},
): Promise<Written> {
  checkTypeAndPlace(scope, body);
  const warnings = checkShape(scope.kind, body, opts.fieldValidation);
  const store = storageScope(scope);
  let o = newObject(deps, store, scope.kind.toStored ? scope.kind.toStored(body) : body);
  settleManaged(store.kind, undefined, o, opts.manager, apiVersionOf(scope.kind), timestamp(deps));
  validateObject(store.kind, o);
  const name = metaOf(o).name as string;
  if (anyWebhooks(deps, scope.cluster)) {
    const hooked = await createWithWebhooks(deps, scope, store, o, opts);
    o = hooked.object;
    warnings.push(...hooked.warnings);
  }

  const key = objectKey(scope, name);
  const admission = admissionFor(deps, store);
  const put = (tx: WriteTx | ReadTx) => {
    checkNamespace(tx, scope, name);
    if (tx.get(kubeObjects, key))
      throw alreadyExists(`${scope.kind.plural} "${name}" already exists`, {
        resource: scope.kind.plural,
        name,
        group: scope.kind.group,
      });
    const object = admission.admit(tx, store, store.kind.allocate ? store.kind.allocate(tx, store, o) : o);
    opts.guard?.(tx, store.kind, object, undefined);
    if ('put' in tx) tx.put(kubeObjects, { key, object });
    return object;
  };
  if (opts.dryRun) return { object: served(scope.kind, deps.store.read(put), 0), warnings };
  await deps.store.transact(put);
  return { object: readBack(deps, scope, name, o), warnings };
}

/**
 * Creates the object unless one of its name is there already (another server's controller, or a
 * start before, made it): the write, or undefined when it existed.
 */
export async function createUnlessExists(deps: KubeDeps, scope: Scope, body: unknown): Promise<Written | undefined> {
  try {
    return await createObject(deps, scope, body);
  } catch (e) {
    if (e instanceof BerthError && e.kind === 'AlreadyExists') return undefined;
    throw e;
  }
}

/** Deletes an object in a transaction, leaving its tombstone for watches. */
export function removeObject(tx: WriteTx, scope: Scope, key: string, now: number): void {
  const e = tx.get(kubeObjects, key);
  if (!e) return;
  tx.delete(kubeObjects, key);
  const object = { ...e.value.object, metadata: { ...metaOf(e.value.object), resourceVersion: String(tx.revision) } };
  tx.put(kubeTombstones, {
    key: `${key}/${metaOf(object).uid ?? ''}`,
    object: served(scope.kind.storedAs ?? scope.kind, object, tx.revision),
    createRevision: e.createRevision,
    deletedAt: now,
  });
}

/** Deletes up to `limit` objects of a scope in one transaction, with their tombstones: how many (0: none was left). */
export async function removeChunk(deps: KubeDeps, scope: Scope, limit: number): Promise<number> {
  const keys = deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix(scope), limit }))
    .map((e) => e.key);
  if (!keys.length) return 0;
  const now = deps.clock.now().getTime();
  await deps.store.transact((tx) => {
    for (const key of keys) removeObject(tx, scope, key, now);
  });
  return keys.length;
}

/**
 * Replaces an object with what `change` makes of the current one (PUT: the body; PATCH: the patch
 * applied). `change` may run several times (the store's transaction retries): it must be pure. A
 * resourceVersion in what it returns is a precondition; an object being deleted whose last
 * finalizer goes is deleted.
 */
export async function updateObject(
  deps: KubeDeps,
  scope: Scope,
  name: string,
  change: (current: KubeObject) => unknown,
  opts: WriteOptions = {},
): Promise<Written> {
  if (anyWebhooks(deps, scope.cluster)) return updateWithWebhooks(deps, scope, name, change, opts, updateObjectPlain);
  return updateObjectPlain(deps, scope, name, change, opts);
}

/** An update with no admission webhooks to ask (the store's transaction may run `change` several times). */
async function updateObjectPlain(
  deps: KubeDeps,
  scope: Scope,
  name: string,
  change: (current: KubeObject) => unknown,
  opts: WriteOptions,
): Promise<Written> {
  const key = objectKey(scope, name);
  const admission = admissionFor(deps, storageScope(scope));
  let warnings: string[] = [];
  const apply = (tx: WriteTx | ReadTx): { object: KubeObject; gone?: boolean; same?: boolean } => {
    const prev = tx.get(kubeObjects, key);
    if (!prev) throw missing(scope, name);
    const current = served(scope.kind, prev.value.object, prev.modRevision);
    const changed = change(current);
    checkTypeAndPlace(scope, changed);
    // The status subresource: its body's status (and resourceVersion precondition) over the object as it is.
    const body: KubeObject = opts.statusOnly
      ? {
          ...current,
          status: changed['status'],
          metadata: {
            ...metaOf(current),
            ...statusWriteMetadata(scope.kind, metaOf(changed)),
            resourceVersion: metaOf(changed).resourceVersion ?? '',
          },
        }
      : changed;
    const bodyName = metaOf(body).name;
    if (bodyName !== undefined && bodyName !== name)
      throw invalidParameter(`the name of the object (${bodyName}) does not match the name on the URL (${name})`, {
        reason: 'malformed',
      });
    warnings = checkShape(scope.kind, body, opts.fieldValidation, current);
    const store = storageScope(scope);
    const input = scope.kind.toStored ? scope.kind.toStored(body, prev.value.object) : body;
    const rv = metaOf(body).resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== String(prev.modRevision))
      throw new BerthError(
        'Conflict',
        `Operation cannot be fulfilled on ${scope.kind.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { resource: scope.kind.plural, name, group: scope.kind.group },
      );
    let next = updatedObject(store, { ...input, metadata: { ...metaOf(body), name } }, prev.value.object);
    if (store.kind.keepsStatus && !opts.statusOnly) next['status'] = prev.value.object['status'];
    settleManaged(store.kind, prev.value.object, next, opts.manager, apiVersionOf(scope.kind), timestamp(deps));
    validateObject(store.kind, next);
    if (store.kind.allocate) next = store.kind.allocate(tx, store, next);
    if (JSON.stringify(next) === JSON.stringify(prev.value.object)) return { object: current, same: true };
    next = admission.admit(tx, store, next, prev.value.object);
    opts.guard?.(tx, store.kind, next, prev.value.object);
    const finalized = metaOf(next).deletionTimestamp && !(metaOf(next).finalizers ?? []).length;
    if (!('put' in tx)) return { object: served(scope.kind, next, prev.modRevision) };
    if (finalized && scope.kind !== NAMESPACE) {
      removeObject(tx, scope, key, deps.clock.now().getTime());
      return { object: served(scope.kind, next, tx.revision), gone: true };
    }
    tx.put(kubeObjects, { key, object: next });
    return { object: next };
  };
  if (opts.dryRun) return { object: deps.store.read(apply).object, warnings };
  const r = await deps.store.transact(apply);
  if (r.same || r.gone) return { object: r.object, warnings };
  return { object: readBack(deps, scope, name, r.object), warnings };
}

/**
 * What a status write may change in metadata besides its status, as each kind's status strategy
 * in the API server has it: a custom kind's nothing; the apps kinds' their annotations (not their
 * labels); the other built-in kinds' labels and annotations (a Job's status patch that adds an
 * annotation keeps it).
 */
function statusWriteMetadata(kind: KindDef, meta: ReturnType<typeof metaOf>): Record<string, unknown> {
  if (kind.custom) return {};
  const keepsLabels = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(kind.kind);
  return {
    ...(meta.annotations !== undefined ? { annotations: meta.annotations } : {}),
    ...(!keepsLabels && meta.labels !== undefined ? { labels: meta.labels } : {}),
  };
}
