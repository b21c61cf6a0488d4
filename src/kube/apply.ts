import { BerthError, invalidParameter, parseJson } from '../kernel/index.js';
import type { KubeDeps, WriteOptions, Written } from './deps.js';
import {
  isElement,
  listIsKeyed,
  membersOf,
  pathString,
  pathKey,
  removeMembers,
  sameValue,
  withPrefixes,
  type Member,
  type FieldPath,
  type FieldSet,
} from './field-set.js';
import { apiVersionOf } from './kinds.js';
import { baseManaged, encodeManaged, identityOf, type Managed } from './managed-fields.js';
import type { KubeObject } from './meta.js';
import { createObject, updateObject } from './objects.js';
import type { Scope } from './object.js';
import { copyObject, isObject, mergeKeysOf, setOwn, type JsonObject, type MergeKeys } from './patch.js';
import { rfc3339 } from './write-rules.js';

/**
 * Server-side apply (`kubectl apply --server-side`, a PATCH of `application/apply-patch+yaml`):
 * the configuration merged into the object, its manager made owner of exactly the fields it
 * holds. A field another manager owns and the configuration would change is a conflict (409),
 * unless forced, which takes the field over; a field the manager applied before and no longer
 * does goes, unless someone else owns it too.
 */

export interface ApplyOptions extends Omit<WriteOptions, 'manager'> {
  manager: string;
  force: boolean;
}

/** The configuration merged into the live object: objects field by field, keyed lists element by element, anything else replaced. */
function merged(live: unknown, config: JsonObject, keys: MergeKeys, dotted: string): JsonObject {
  const out = isObject(live) ? copyObject(live) : {};
  for (const k of Object.keys(config)) {
    const v = config[k];
    // A null sets nothing (nor is it owned): the field is left as it is.
    if (v === null || v === undefined) continue;
    const here = dotted ? `${dotted}.${k}` : k;
    const was = Object.hasOwn(out, k) ? out[k] : undefined;
    const key = Object.hasOwn(keys, here) ? keys[here] : undefined;
    if (Array.isArray(v) && key && Array.isArray(was) && listIsKeyed(v, key) && listIsKeyed(was, key))
      setOwn(out, k, mergedList(was, v, key, keys, here));
    else if (isObject(v)) setOwn(out, k, merged(was, v, keys, here));
    else setOwn(out, k, v);
  }
  return out;
}

function mergedList(live: unknown[], config: unknown[], key: string, keys: MergeKeys, dotted: string): unknown[] {
  const id = (e: unknown) => JSON.stringify(key === '$primitive' ? e : (e as JsonObject)[key]);
  const out = [...live];
  const at = new Map<string, number>();
  out.forEach((e, i) => at.set(id(e), i));
  for (const e of config) {
    const i = at.get(id(e));
    if (key === '$primitive') {
      if (i === undefined) out.push(e);
    } else if (i !== undefined) out[i] = merged(out[i], e as JsonObject, keys, dotted);
    else {
      at.set(id(e), out.length);
      out.push(merged(undefined, e as JsonObject, keys, dotted));
    }
  }
  return out;
}

interface Conflict {
  with: Managed;
  path: FieldPath;
}

/** How the API server names a manager in a conflict: `"kubectl-create" using apps/v1`. */
function managerWords(m: Managed): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  return m.operation === 'Update' ? `${s} using ${m.apiVersion}` : s;
}

function conflictError(conflicts: Conflict[]): BerthError {
  let message: string;
  if (conflicts.length === 1) {
    const [c] = conflicts as [Conflict];
    message = `Apply failed with 1 conflict: conflict with ${managerWords(c.with)}: ${pathString(c.path)}`;
  } else {
    const byManager = new Map<string, Conflict[]>();
    for (const c of conflicts) byManager.set(identityOf(c.with), [...(byManager.get(identityOf(c.with)) ?? []), c]);
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      const list = byManager.get(id) as Conflict[];
      lines.push(
        `conflicts with ${managerWords((list[0] as Conflict).with)}:`,
        ...list.map((c) => `- ${pathString(c.path)}`),
      );
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new BerthError('Conflict', message, {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${managerWords(c.with)}`,
      field: pathString(c.path),
    })),
  });
}

/** The object an apply makes of the live one (none: a create), with its managedFields. */
export function applied(
  kind: Scope['kind'],
  live: KubeObject | undefined,
  config: KubeObject,
  opts: { manager: string; force: boolean; apiVersion: string; now: string },
): KubeObject {
  const keys = mergeKeysOf(kind);
  const withStatus = !kind.keepsStatus;
  const wanted = membersOf(config, keys, withStatus);
  const have = live ? membersOf(live, keys, withStatus) : new Map<string, Member>();
  const managed = live ? baseManaged(live, undefined) : [];
  const me = identityOf({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion });
  const others = managed.filter((m) => identityOf(m) !== me);

  // A conflict: a field whose value would change, owned by another manager (an element of a
  // keyed list is not a value: its fields are).
  const conflicts: Conflict[] = [];
  for (const [k, m] of wanted) {
    if (isElement(m)) continue;
    const now = have.get(k);
    if (now === undefined || sameValue(now, m)) continue;
    for (const o of others) if (o.set.has(k)) conflicts.push({ with: o, path: m.path });
  }
  if (
    conflicts.length &&
    !opts.force &&
    !upgradesClientSideApply(opts.manager, live, conflicts, have, keys, withStatus)
  )
    throw conflictError(conflicts);
  for (const c of conflicts) c.with.set.delete(pathKey(c.path));

  const out = merged(live, config, keys, '');
  // What this manager applied before and no longer does, and no one else holds, goes.
  const mineBefore = managed.find((m) => identityOf(m) === me);
  const set: FieldSet = new Map([...wanted].map(([k, m]) => [k, m.path]));
  const held = withPrefixes(set);
  for (const o of others) for (const k of withPrefixes(o.set)) held.add(k);
  const gone: FieldSet = new Map([...(mineBefore?.set ?? new Map<string, FieldPath>())].filter(([k]) => !held.has(k)));
  removeMembers(out, keys, withStatus, gone);

  const unchanged =
    mineBefore !== undefined && mineBefore.set.size === set.size && [...set.keys()].every((k) => mineBefore.set.has(k));
  const entry: Managed = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    time: unchanged && mineBefore.time ? mineBefore.time : opts.now,
    set,
  };
  const list = mineBefore ? managed.map((m) => (m === mineBefore ? entry : m)) : [...managed, entry];
  const meta = isObject(out['metadata']) ? copyObject(out['metadata']) : {};
  setOwn(meta, 'managedFields', encodeManaged(list));
  // kubectl's own applies keep a client-side apply's annotation in step (so a later `kubectl
  // apply` without --server-side computes its patch from what was last applied).
  if (opts.manager === 'kubectl' && lastAppliedOf(live) !== undefined && isObject(meta['annotations'])) {
    const annotations = copyObject(meta['annotations']);
    setOwn(annotations, LAST_APPLIED, lastAppliedText(config));
    setOwn(meta, 'annotations', annotations);
  }
  setOwn(out, 'metadata', meta);
  return out;
}

/** The annotation `kubectl apply` (client-side) keeps of what it last applied. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function lastAppliedOf(live: KubeObject | undefined): string | undefined {
  const a = live ? (live['metadata'] as { annotations?: Record<string, unknown> } | undefined)?.annotations : undefined;
  const v = a && Object.hasOwn(a, LAST_APPLIED) ? a[LAST_APPLIED] : undefined;
  return typeof v === 'string' && v ? v : undefined;
}

/** A configuration as the annotation holds it: without the annotation itself. */
function lastAppliedText(config: KubeObject): string {
  const meta = isObject(config['metadata']) ? copyObject(config['metadata']) : {};
  if (isObject(meta['annotations'])) {
    const annotations = copyObject(meta['annotations']);
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length) setOwn(meta, 'annotations', annotations);
    else delete meta['annotations'];
  }
  return `${JSON.stringify({ ...config, metadata: meta })}\n`;
}

/**
 * Moving from `kubectl apply` to `kubectl apply --server-side` meets no conflict, as the API
 * server arranges: when the applier is kubectl's own manager, conflicts over fields the
 * last-applied annotation holds with the value they still have are forced.
 */
function upgradesClientSideApply(
  manager: string,
  live: KubeObject | undefined,
  conflicts: Conflict[],
  have: Map<string, Member>,
  keys: MergeKeys,
  withStatus: boolean,
): boolean {
  const text = manager === 'kubectl' ? lastAppliedOf(live) : undefined;
  if (!text) return false;
  let last: unknown;
  try {
    last = parseJson(text);
  } catch {
    return false;
  }
  const same = new Set<string>();
  for (const [k, m] of membersOf(last, keys, withStatus)) if (sameValue(have.get(k), m)) same.add(k);
  return conflicts.every((c) => same.has(pathKey(c.path)));
}

/** The configuration's own checks: a whole object of the kind, named as the URL names it, saying no owners. */
function checkConfig(name: string, config: unknown): asserts config is KubeObject {
  const bad = (message: string) => invalidParameter(message, { reason: 'malformed' });
  if (!isObject(config)) throw bad('the applied configuration must be an object');
  if (typeof config['apiVersion'] !== 'string' || !config['apiVersion'])
    throw bad(`Object 'apiVersion' is missing in the applied configuration`);
  if (typeof config['kind'] !== 'string' || !config['kind'])
    throw bad(`Object 'Kind' is missing in the applied configuration`);
  const meta = config['metadata'];
  if (!isObject(meta)) throw bad('metadata must be an object');
  if (meta['managedFields'] !== undefined && meta['managedFields'] !== null)
    throw bad('metadata.managedFields must be nil');
  if (meta['name'] !== undefined && meta['name'] !== name)
    throw bad(`the name of the object (${String(meta['name'])}) does not match the name on the URL (${name})`);
}

/** An apply: of the object there, or a create when there is none (`created`: answered 201). */
export async function applyObject(
  deps: KubeDeps,
  scope: Scope,
  name: string,
  config: unknown,
  opts: ApplyOptions,
): Promise<Written & { created: boolean }> {
  checkConfig(name, config);
  const body: KubeObject = { ...config, metadata: { ...(config['metadata'] as JsonObject), name } };
  const how = {
    manager: opts.manager,
    force: opts.force,
    apiVersion: apiVersionOf(scope.kind),
    now: rfc3339(deps.clock.now().getTime()),
  };
  const write: WriteOptions = {
    ...(opts.dryRun ? { dryRun: true } : {}),
    ...(opts.fieldValidation ? { fieldValidation: opts.fieldValidation } : {}),
    ...(opts.guard ? { guard: opts.guard } : {}),
    ...(opts.user ? { user: opts.user } : {}),
  };
  try {
    const w = await updateObject(deps, scope, name, (live) => applied(scope.kind, live, body, how), write);
    return { ...w, created: false };
  } catch (e) {
    if (!(e instanceof BerthError) || e.kind !== 'NotFound' || e.detail.name !== name) throw e;
  }
  const w = await createObject(deps, scope, applied(scope.kind, undefined, body, how), write);
  return { ...w, created: true };
}
