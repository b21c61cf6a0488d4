import { fromFieldsV1, isElement, membersOf, sameValue, toFieldsV1, type FieldSet, type Member } from './field-set.js';
import type { KindDef } from './kind-def.js';
import { isObject, mergeKeysOf } from './patch.js';
import type { KubeObject } from './meta.js';

/**
 * `metadata.managedFields`: which manager set which fields, by an Apply (server-side apply) or an
 * Update (any other write). An Update takes the fields it changed from every other manager; an
 * Apply owns exactly what its configuration holds (apply.ts).
 */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** A writer: its manager name, and the subresource it wrote through. */
export interface FieldManager {
  manager: string;
  subresource?: string;
}

/** An entry with its fields as a set. */
export interface Managed {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

/** Who an entry is: an applier is one manager whatever version it applied, an updater one per version. */
export const identityOf = (m: Pick<Managed, 'manager' | 'operation' | 'subresource' | 'apiVersion'>): string =>
  JSON.stringify([m.manager, m.operation, m.subresource ?? '', m.operation === 'Apply' ? '' : m.apiVersion]);

const str = (v: unknown, max: number) => typeof v === 'string' && v.length <= max;

/** managedFields read, or undefined when they are not well formed (a client's guess is not kept). */
export function decodeManaged(v: unknown): Managed[] | undefined {
  if (!Array.isArray(v) || v.length > 1000) return undefined;
  const out: Managed[] = [];
  for (const e of v) {
    if (!isObject(e)) return undefined;
    const { manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource } = e;
    if (!str(manager, 128) || (operation !== 'Apply' && operation !== 'Update') || !str(apiVersion, 256))
      return undefined;
    if ((time !== undefined && time !== null && !str(time, 64)) || (subresource !== undefined && !str(subresource, 64)))
      return undefined;
    if (fieldsType !== 'FieldsV1') return undefined;
    const set = fromFieldsV1(fieldsV1);
    if (!set) return undefined;
    out.push({
      manager: manager as string,
      operation,
      apiVersion: apiVersion as string,
      ...(typeof time === 'string' ? { time } : {}),
      ...(subresource ? { subresource: subresource as string } : {}),
      set,
    });
  }
  return out;
}

/** The entries as the object carries them; a manager left with no field is dropped. */
export function encodeManaged(list: Managed[]): ManagedFieldsEntry[] {
  return list
    .filter((m) => m.set.size > 0)
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      fieldsType: 'FieldsV1' as const,
      fieldsV1: toFieldsV1(m.set),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

const metaOf = (o: KubeObject) => (o['metadata'] ?? {}) as { managedFields?: unknown };

/**
 * The entries a write starts from: the ones its body carries when they are well formed and not
 * empty (a client may set them; `[{}]` clears them), else the stored object's.
 */
export function baseManaged(next: KubeObject, prev: KubeObject | undefined): Managed[] {
  const given = metaOf(next).managedFields;
  if (Array.isArray(given) && given.length === 1 && isObject(given[0]) && Object.keys(given[0]).length === 0) return [];
  const mine = Array.isArray(given) && given.length ? decodeManaged(given) : undefined;
  return mine ?? (prev ? (decodeManaged(metaOf(prev).managedFields) ?? []) : []);
}

/**
 * Settles a write's managedFields on `next` (the object about to be stored): from its base, and
 * with a manager, as an Update: what it changed from `prev` becomes its own and no one else's.
 */
export function settleManaged(
  kind: KindDef,
  prev: KubeObject | undefined,
  next: KubeObject,
  writer: FieldManager | undefined,
  apiVersion: string,
  now: string,
): void {
  const meta = metaOf(next);
  if (!writer && prev) {
    // The server's own writes (controllers, status) carry the entries as they read them: kept as
    // they are, unread, unless the write changed them.
    const was = metaOf(prev).managedFields;
    if (meta.managedFields === undefined || JSON.stringify(meta.managedFields) === JSON.stringify(was)) {
      if (was === undefined) delete meta.managedFields;
      else meta.managedFields = was;
      return;
    }
  }
  const base = baseManaged(next, prev);
  if (!writer) {
    if (base.length) meta.managedFields = encodeManaged(base);
    else delete meta.managedFields;
    return;
  }
  const keys = mergeKeysOf(kind);
  // Where status is a subresource, a write of the object owns none of the status and a write of
  // the status subresource nothing but the status (the entry marked `subresource: status`).
  const statusWrite = kind.keepsStatus === true && writer.subresource === 'status';
  const withStatus = !kind.keepsStatus || statusWrite;
  const only = (m: Map<string, Member>) =>
    statusWrite ? new Map([...m].filter(([, x]) => x.path[0] === 'f:status')) : m;
  const before = prev ? only(membersOf(prev, keys, withStatus)) : new Map<string, Member>();
  const after = only(membersOf(next, keys, withStatus));
  const changed: FieldSet = new Map();
  for (const [k, m] of after) if (isElement(m) ? !before.has(k) : !sameValue(before.get(k), m)) changed.set(k, m.path);
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const me = identityOf({ ...writer, operation: 'Update', apiVersion });
  let mine = base.find((m) => identityOf(m) === me);
  for (const m of base) {
    for (const k of removed) m.set.delete(k);
    if (m !== mine) for (const k of changed.keys()) m.set.delete(k);
  }
  if (changed.size) {
    if (!mine) base.push((mine = { manager: writer.manager, operation: 'Update', apiVersion, set: new Map() }));
    for (const [k, p] of changed) mine.set.set(k, p);
    mine.time = now;
    if (writer.subresource) mine.subresource = writer.subresource;
  }
  const list = encodeManaged(base);
  if (list.length) meta.managedFields = list;
  else delete meta.managedFields;
}
