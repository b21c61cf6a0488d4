import { BerthError, notFound } from '../kernel/index.js';
import { defineTable } from '../store/index.js';
import type { KindDef, Scope } from './kind-def.js';
import { metaOf, type KubeObject } from './meta.js';

export { metaOf, type KubeObject, type ObjectMeta } from './meta.js';

/**
 * An object as stored: under `<cluster>/<group or "core">/<resource>/[<namespace>/]<name>`, so a
 * prefix lists a resource in a cluster or in one namespace. Its resourceVersion is not stored: it
 * is the entry's mod revision, set on the way out.
 */
export interface StoredObject {
  key: string;
  object: KubeObject;
}

export const kubeObjects = defineTable<StoredObject>('kube.objects', (v) => v.key);

/**
 * What a deleted object last was, written in the deletion's transaction, so that a watch can send
 * the DELETED event with the object (the store's delete carries no value). Kept a few minutes.
 */
export interface Tombstone {
  key: string;
  object: KubeObject;
  /** The object's create revision, so a watch replaying older revisions knows when it existed. */
  createRevision: number;
  deletedAt: number;
}

export const kubeTombstones = defineTable<Tombstone>('kube.tombstones', (v) => v.key);

export type { Scope } from './kind-def.js';

export function resourcePrefix(s: Scope): string {
  // Another version of a resource is stored under its storage version's prefix.
  const kind = s.kind.storedAs ?? s.kind;
  const base = `${s.cluster}/${kind.group || 'core'}/${kind.plural}/`;
  return s.kind.namespaced && s.namespace !== undefined ? `${base}${s.namespace}/` : base;
}

export function objectKey(s: Scope, name: string): string {
  return `${resourcePrefix(s)}${name}`;
}

/** The stored object with its resourceVersion (and the kind's apiVersion and kind) set: what the API returns. */
export function served(kind: KindDef, object: KubeObject, modRevision: number): KubeObject {
  const shown = kind.fromStored ? kind.fromStored(object) : object;
  const meta = { ...metaOf(shown), resourceVersion: String(modRevision) };
  const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
  return {
    apiVersion,
    kind: kind.kind,
    ...shown,
    // Another version's object says the version asked for.
    ...(kind.storedAs ? { apiVersion } : {}),
    metadata: meta,
  };
}

/** The scope objects of a scope's kind are stored under (their storage version's, for a converted one). */
export const storageScope = (s: Scope): Scope => (s.kind.storedAs ? { ...s, kind: s.kind.storedAs } : s);

/** The object a store change carries: a put object's, or a deletion's tombstone's (what the controllers' informers key by). */
export function changedObject(c: { table: string; value?: unknown }): KubeObject | undefined {
  return c.table === kubeTombstones.name
    ? (c.value as Tombstone | undefined)?.object
    : (c.value as StoredObject | undefined)?.object;
}

/** The API server's NotFound for an object of a scope (`configmaps "x" not found`). */
export const missing = (scope: Pick<Scope, 'kind'>, name: string) =>
  notFound(`${scope.kind.plural} "${name}" not found`, { resource: scope.kind.plural, name, group: scope.kind.group });

/** An admission plugin's refusal (403), naming the resource as the API server does: `pods`, `replicasets.apps`. */
export const forbidden = (scope: Pick<Scope, 'kind'>, name: string, message: string) =>
  new BerthError(
    'AccessDenied',
    `${scope.kind.plural}${scope.kind.group ? `.${scope.kind.group}` : ''} "${name}" is forbidden: ${message}`,
    { resource: scope.kind.plural, name, group: scope.kind.group },
  );
