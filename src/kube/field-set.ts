import { isObject, type JsonObject, type MergeKeys } from './patch.js';

/**
 * Sets of an object's fields, as the API server's field manager keeps them in `managedFields`: a
 * field is a path of elements in the FieldsV1 spelling — `f:<name>` a field of an object,
 * `k:{"name":"web"}` the element of a keyed list with that key, `v:<json>` a value of a set.
 * A set holds the fields' leaves (scalars, lists kept whole, empty objects) and the elements of
 * keyed lists and sets; paths are kept flat, keyed by their JSON, so set operations are a map's.
 */
export type FieldPath = readonly string[];
export type FieldSet = Map<string, FieldPath>;

/** What the field manager never tracks: the type, and what the server owns in metadata. */
const UNTRACKED_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

export const pathKey = (p: FieldPath): string => JSON.stringify(p);

/** A field an object sets: its path and its value there. */
export interface Member {
  path: FieldPath;
  value: unknown;
}

/** Whether a member is an element of a keyed list or set (its fields, not itself, carry values). */
export const isElement = (m: Member) => /^[kv]:/.test(m.path[m.path.length - 1] ?? '');

/** Whether a member is there with the same value. */
export const sameValue = (a: Member | undefined, b: Member) =>
  a !== undefined && JSON.stringify(a.value) === JSON.stringify(b.value);

/**
 * Walks an object's fields as the field manager tracks them, under a kind's merge keys: `visit`
 * gets each member with its value, and may answer true to have it taken out of the object (which
 * must then be a copy being built). Linear in the object's size.
 */
function walkMembers(
  o: unknown,
  keys: MergeKeys,
  withStatus: boolean,
  visit: (path: FieldPath, key: string, value: unknown) => boolean,
): void {
  const walk = (v: unknown, at: string[], dotted: string): boolean => {
    if (isObject(v)) {
      const names = Object.keys(v).filter((k) => v[k] !== null && v[k] !== undefined);
      if (!names.length && at.length) return visit(at, pathKey(at), v);
      for (const k of names) {
        if (at.length === 0 && (k === 'apiVersion' || k === 'kind' || (k === 'status' && !withStatus))) continue;
        if (at.length === 1 && at[0] === 'f:metadata' && UNTRACKED_META.has(k)) continue;
        if (walk(v[k], [...at, `f:${k}`], dotted ? `${dotted}.${k}` : k)) delete v[k];
      }
      return false;
    }
    const key = Array.isArray(v) && Object.hasOwn(keys, dotted) ? (keys[dotted] as string) : undefined;
    if (!Array.isArray(v) || key === undefined || !listIsKeyed(v, key)) return visit(at, pathKey(at), v);
    const kept = v.filter((e) => {
      const item = [...at, key === '$primitive' ? `v:${JSON.stringify(e)}` : itemElement(key, (e as JsonObject)[key])];
      if (visit(item, pathKey(item), e)) return false;
      if (key !== '$primitive') walk(e, item, dotted);
      return true;
    });
    if (kept.length !== v.length) v.splice(0, v.length, ...kept);
    return false;
  };
  walk(o, [], '');
}

/** The fields an object sets (null values set nothing), with their values; `status` left out where it is a subresource's. */
export function membersOf(o: unknown, keys: MergeKeys, withStatus: boolean): Map<string, Member> {
  const out = new Map<string, Member>();
  walkMembers(o, keys, withStatus, (path, key, value) => {
    out.set(key, { path, value });
    return false;
  });
  return out;
}

export function fieldSetOf(o: unknown, keys: MergeKeys, withStatus: boolean): FieldSet {
  const set: FieldSet = new Map();
  for (const [k, m] of membersOf(o, keys, withStatus)) set.set(k, m.path);
  return set;
}

/** Takes the members a set names out of an object (a copy being built), an element with all it holds. */
export function removeMembers(o: unknown, keys: MergeKeys, withStatus: boolean, remove: FieldSet): void {
  if (remove.size) walkMembers(o, keys, withStatus, (_path, key) => remove.has(key));
}

/** A keyed list is tracked by element only when every element has its key (else as a whole). */
export function listIsKeyed(list: unknown[], key: string): boolean {
  if (key === '$primitive') return list.every((e) => !isObject(e) && !Array.isArray(e));
  return list.every((e) => isObject(e) && e[key] !== undefined && e[key] !== null);
}

const itemElement = (key: string, value: unknown) => `k:${JSON.stringify({ [key]: value })}`;

/** The key and value a `k:` element names, or undefined when it is not one of berth's spelling. */
function parseItem(el: string): [string, unknown] | undefined {
  try {
    const o: unknown = JSON.parse(el.slice(2));
    if (!isObject(o)) return undefined;
    const names = Object.keys(o);
    return names.length === 1 ? [names[0] as string, o[names[0] as string]] : undefined;
  } catch {
    return undefined;
  }
}

/** A path as the API server writes it in a conflict: `.spec.containers[name="web"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((el) => {
      if (el.startsWith('f:')) return `.${el.slice(2)}`;
      if (el.startsWith('v:')) return `[=${el.slice(2)}]`;
      const item = parseItem(el);
      return item ? `[${item[0]}=${JSON.stringify(item[1])}]` : `[${el.slice(2)}]`;
    })
    .join('');
}

interface Node {
  member: boolean;
  children: Map<string, Node>;
}

/** A set as FieldsV1: a tree of elements, `.` marking a member that also has members under it. */
export function toFieldsV1(set: FieldSet): JsonObject {
  const root: Node = { member: false, children: new Map() };
  for (const p of set.values()) {
    let node = root;
    for (const el of p) {
      let next = node.children.get(el);
      if (!next) node.children.set(el, (next = { member: false, children: new Map() }));
      node = next;
    }
    node.member = true;
  }
  const write = (n: Node): JsonObject => {
    const out: JsonObject = {};
    if (n.member && n.children.size) out['.'] = {};
    // Every key has its element's prefix (`f:`, `k:`, `v:`): none is `__proto__`.
    for (const [el, c] of [...n.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[el] = write(c);
    return out;
  };
  return write(root);
}

const ELEMENT = /^[fkvi]:/;

/** FieldsV1 read back, or undefined when it is not one (too deep, too large, or not its shape). */
export function fromFieldsV1(v: unknown, limit = 50_000): FieldSet | undefined {
  const set: FieldSet = new Map();
  let count = 0;
  const walk = (node: unknown, at: string[]): boolean => {
    if (!isObject(node) || at.length > 64 || ++count > limit) return false;
    const names = Object.keys(node);
    if ((names.length === 0 || Object.hasOwn(node, '.')) && at.length) set.set(pathKey(at), at);
    for (const el of names) {
      if (el === '.') {
        if (!isObject(node[el]) || Object.keys(node[el]).length) return false;
      } else if (!ELEMENT.test(el) || !walk(node[el], [...at, el])) return false;
    }
    return true;
  };
  return walk(v, []) ? set : undefined;
}

/** Every path a set holds and every path leading to one: what "owns something there" is asked of. */
export function withPrefixes(set: FieldSet): Set<string> {
  const out = new Set<string>();
  for (const p of set.values()) for (let i = 1; i <= p.length; i++) out.add(pathKey(p.slice(0, i)));
  return out;
}
