import { invalidParameter } from '../kernel/index.js';

/**
 * The three patch formats kubectl and clients send: JSON merge patch (RFC 7386), JSON patch (RFC
 * 6902) and Kubernetes' strategic merge patch. Each returns a new value and leaves its inputs as
 * they were. Keys are set as own properties (`defineProperty`), so a key like `__proto__` in a
 * patch is data, never the prototype.
 */
type Json = unknown;
export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function setOwn(o: JsonObject, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function copyObject(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o)) setOwn(out, k, o[k]);
  return out;
}

/** RFC 7386: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out = isObject(target) ? copyObject(target) : {};
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) delete out[k];
    else setOwn(out, k, mergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v));
  }
  return out;
}

const patchError = (message: string) => invalidParameter(message);

function unescapePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function clone(v: Json): Json {
  return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as Json);
}

/** The parent of the pointer's target and the last token, in a document that is being patched. */
function parentOf(doc: Json, tokens: string[], pointer: string): { parent: JsonObject | Json[]; last: string } {
  let at: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(at)) at = at[arrayIndex(at, t, pointer, false)];
    else if (isObject(at) && Object.hasOwn(at, t)) at = at[t];
    else throw patchError(`path "${pointer}" does not exist`);
  }
  if (!Array.isArray(at) && !isObject(at)) throw patchError(`path "${pointer}" does not exist`);
  return { parent: at, last: tokens[tokens.length - 1] as string };
}

function arrayIndex(a: Json[], t: string, pointer: string, adding: boolean): number {
  if (adding && t === '-') return a.length;
  if (!/^(0|[1-9]\d{0,8})$/.test(t)) throw patchError(`invalid array index "${t}" in "${pointer}"`);
  const i = Number(t);
  if (i > a.length || (!adding && i === a.length)) throw patchError(`array index ${i} out of bounds in "${pointer}"`);
  return i;
}

function getAt(doc: Json, pointer: string): Json {
  let at: Json = doc;
  for (const t of unescapePointer(pointer)) {
    if (Array.isArray(at)) at = at[arrayIndex(at, t, pointer, false)];
    else if (isObject(at) && Object.hasOwn(at, t)) at = at[t];
    else throw patchError(`path "${pointer}" does not exist`);
  }
  return at;
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = unescapePointer(pointer);
  if (!tokens.length) throw patchError('cannot remove the whole document');
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, pointer, false), 1)[0];
  if (!Object.hasOwn(parent, last)) throw patchError(`path "${pointer}" does not exist`);
  const v = parent[last];
  delete parent[last];
  return v;
}

function addAt(doc: Json, pointer: string, value: Json, replace: boolean): Json {
  const tokens = unescapePointer(pointer);
  if (!tokens.length) return value;
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, last, pointer, !replace);
    parent.splice(i, replace ? 1 : 0, value);
  } else {
    if (replace && !Object.hasOwn(parent, last)) throw patchError(`path "${pointer}" does not exist`);
    setOwn(parent, last, value);
  }
  return doc;
}

/** RFC 6902, every operation or none (a failed `test` fails the whole patch). */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw invalidParameter('a JSON patch must be an array of operations', { reason: 'malformed' });
  if (ops.length > 10_000)
    throw invalidParameter('a JSON patch may hold at most 10000 operations', { reason: 'malformed' });
  let doc = clone(target);
  // What copies and values may add up to: a patch of small operations that each copy a large
  // subtree would otherwise make gigabytes out of a 3 MiB request.
  let budget = 64 * 1024 * 1024;
  const counted = (v: Json): Json => {
    const text = v === undefined ? '' : JSON.stringify(v);
    budget -= text.length;
    if (budget < 0)
      throw invalidParameter('the JSON patch makes a document larger than berth accepts', { reason: 'too-large' });
    return text ? (JSON.parse(text) as Json) : undefined;
  };
  ops.forEach((op: unknown, i) => {
    if (!isObject(op) || typeof op['op'] !== 'string' || typeof op['path'] !== 'string')
      throw invalidParameter(`operation ${i} of the JSON patch needs "op" and "path"`, { reason: 'malformed' });
    const path = op['path'];
    const value = () => {
      if (!Object.hasOwn(op, 'value')) throw patchError(`operation ${i} ("${op['op']}") needs a value`);
      return counted(op['value']);
    };
    const from = () => {
      if (typeof op['from'] !== 'string') throw patchError(`operation ${i} ("${op['op']}") needs "from"`);
      return op['from'];
    };
    switch (op['op']) {
      case 'add':
        doc = addAt(doc, path, value(), false);
        break;
      case 'replace':
        doc = addAt(doc, path, value(), true);
        break;
      case 'remove':
        removeAt(doc, path);
        break;
      case 'move': {
        const f = from();
        if (path.startsWith(`${f}/`)) throw patchError(`cannot move "${f}" into itself`);
        doc = addAt(doc, path, removeAt(doc, f), false);
        break;
      }
      case 'copy':
        doc = addAt(doc, path, counted(getAt(doc, from())), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op['value']))
          throw patchError(`testing value ${path} failed`);
        break;
      default:
        throw invalidParameter(`operation ${i} of the JSON patch has an unknown op "${String(op['op'])}"`, {
          reason: 'malformed',
        });
    }
  });
  return doc;
}

/**
 * How a kind's lists merge under a strategic merge patch, by dotted path: by a key of their
 * elements, or as a set of primitive values. Lists not named here are replaced whole.
 */
export type MergeKeys = Readonly<Record<string, string>>;

/** The lists every object has: metadata's (ObjectMeta's patch strategies). */
export const META_MERGE_KEYS: MergeKeys = { 'metadata.finalizers': '$primitive', 'metadata.ownerReferences': 'uid' };

/** A kind's merge keys with metadata's. */
export const mergeKeysOf = (k: { mergeKeys?: MergeKeys }): MergeKeys => ({
  ...META_MERGE_KEYS,
  ...(k.mergeKeys ?? {}),
});

/** Kubernetes' strategic merge patch over a kind's merge keys, with the directives kubectl sends. */
export function strategicMergePatch(target: Json, patch: Json, keys: MergeKeys, path = ''): Json {
  if (!isObject(patch)) return patch;
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const out = copyObject(patch);
    delete out['$patch'];
    return out;
  }
  if (directive !== undefined && directive !== 'merge')
    throw invalidParameter(`unknown patch directive "${String(directive)}"`, { reason: 'malformed' });
  let out = isObject(target) ? copyObject(target) : {};
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    const kept: JsonObject = {};
    for (const k of Object.keys(out)) if (retain.includes(k) || Object.hasOwn(patch, k)) setOwn(kept, k, out[k]);
    out = kept;
  }
  for (const k of Object.keys(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    const v = patch[k];
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const list = out[field];
      if (Array.isArray(list) && Array.isArray(v))
        setOwn(
          out,
          field,
          list.filter((e) => !v.includes(e)),
        );
      continue;
    }
    if (k.startsWith('$')) throw invalidParameter(`unknown patch directive "${k}"`, { reason: 'malformed' });
    const here = path ? `${path}.${k}` : k;
    const prev = Object.hasOwn(out, k) ? out[k] : undefined;
    if (v === null) delete out[k];
    else if (Array.isArray(v) && Object.hasOwn(keys, here))
      setOwn(out, k, mergeList(prev, v, keys[here] as string, keys, here));
    else if (isObject(v)) {
      const merged = strategicMergePatch(prev, v, keys, here);
      if (merged === undefined) delete out[k];
      else setOwn(out, k, merged);
    } else setOwn(out, k, v);
  }
  return out;
}

function mergeList(prev: Json, patch: Json[], key: string, keys: MergeKeys, path: string): Json[] {
  const list = Array.isArray(prev) ? [...prev] : [];
  // Linear in both lists: each element is found through a map, not a search of the list.
  if (key === '$primitive') {
    const seen = new Set(list.map((e) => JSON.stringify(e)));
    for (const v of patch) {
      const k = JSON.stringify(v);
      if (!seen.has(k)) {
        seen.add(k);
        list.push(v);
      }
    }
    return list;
  }
  const slots: (Json | undefined)[] = list;
  const at = new Map<unknown, number>();
  slots.forEach((e, i) => {
    if (isObject(e) && !at.has(e[key])) at.set(e[key], i);
  });
  for (const el of patch) {
    if (!isObject(el))
      throw invalidParameter(`elements of ${path} must be objects with "${key}"`, { reason: 'malformed' });
    const i = at.get(el[key]);
    if (el['$patch'] === 'delete') {
      if (i !== undefined) {
        slots[i] = undefined;
        at.delete(el[key]);
      }
    } else if (i !== undefined) slots[i] = strategicMergePatch(slots[i], el, keys, path);
    else {
      at.set(el[key], slots.length);
      slots.push(strategicMergePatch(undefined, el, keys, path));
    }
  }
  return slots.filter((e) => e !== undefined);
}
