import { compileLinear, type LinearRegex } from '../kernel/index.js';
import type { Cause } from './names.js';
import { isObject, setOwn, type JsonObject } from './patch.js';

/**
 * A CustomResourceDefinition's structural schema (openAPIV3Schema), as the API server applies it
 * to custom resources: defaults filled in, nulls of non-nullable fields pruned, unknown fields
 * reported (to be pruned, or refused under Strict) and every value checked, with the server's
 * messages. Patterns run on RE2 (linear time), as the API server's do.
 */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  default?: unknown;
  description?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  multipleOf?: number;
  maxProperties?: number;
  minProperties?: number;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  /** CEL rules (cel-rules.ts). */
  'x-kubernetes-validations'?: { rule: string; message?: string; [k: string]: unknown }[];
}

export const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
export const MAX_DEPTH = 64;
const patterns = new Map<string, LinearRegex>();
export const regexOf = (p: string) => {
  let re = patterns.get(p);
  if (!re) {
    re = compileLinear(p);
    if (patterns.size > 1000) patterns.clear();
    patterns.set(p, re);
  }
  return re;
};

const own = (o: object | undefined, k: string): Schema | undefined =>
  o && Object.hasOwn(o, k) ? ((o as Record<string, Schema>)[k] as Schema) : undefined;

/** A field not in the schema: where it is, to be pruned or refused. */
export interface Unknown {
  parent: (string | number)[];
  key: string;
}

const fieldName = (path: (string | number)[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${p}`)).join('');

const typeOfValue = (v: unknown) =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'integer'
          : 'number'
        : typeof v;

function fitsType(s: Schema, v: unknown): boolean {
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (s.type) {
    case undefined:
      return true;
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return typeof v === s.type;
  }
}

const shown = (v: unknown) => (isObject(v) ? '"object"' : Array.isArray(v) ? '"array"' : JSON.stringify(v));

/** A value's checks of its own (enum, lengths, bounds, counts), by the API server's messages. */
function valueCauses(s: Schema, v: unknown, f: string): Cause[] {
  const causes: Cause[] = [];
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v)))
    causes.push({
      field: f,
      message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    });
  if (typeof v === 'string') {
    const n = [...v].length;
    if (s.maxLength !== undefined && n > s.maxLength)
      causes.push({ field: f, message: `Too long: may not be longer than ${s.maxLength}` });
    if (s.minLength !== undefined && n < s.minLength)
      causes.push({
        field: f,
        message: `Invalid value: ${JSON.stringify(v)}: ${f} in body should be at least ${s.minLength} chars long`,
      });
    if (typeof s.pattern === 'string' && !regexOf(s.pattern).find(v))
      causes.push({
        field: f,
        message: `Invalid value: ${JSON.stringify(v)}: ${f} in body should match '${s.pattern}'`,
      });
  } else if (typeof v === 'number') {
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum))
      causes.push({
        field: f,
        message: `Invalid value: ${v}: ${f} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`,
      });
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum))
      causes.push({
        field: f,
        message: `Invalid value: ${v}: ${f} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`,
      });
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
      const q = v / s.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9)
        causes.push({ field: f, message: `Invalid value: ${v}: ${f} in body should be a multiple of ${s.multipleOf}` });
    }
  } else if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems)
      causes.push({ field: f, message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
    if (s.minItems !== undefined && v.length < s.minItems)
      causes.push({
        field: f,
        message: `Invalid value: ${v.length}: ${f} in body should have at least ${s.minItems} items`,
      });
    causes.push(...listTypeCauses(s, v, f));
  } else if (isObject(v)) {
    const n = Object.keys(v).length;
    if (s.maxProperties !== undefined && n > s.maxProperties)
      causes.push({ field: f, message: `Too many: ${n}: must have at most ${s.maxProperties} items` });
    if (s.minProperties !== undefined && n < s.minProperties)
      causes.push({
        field: f,
        message: `Invalid value: ${n}: ${f} in body should have at least ${s.minProperties} properties`,
      });
  }
  return causes;
}

/** A set's duplicate elements and a map list's duplicate keys (linear: each element's key once in a Set). */
function listTypeCauses(s: Schema, v: unknown[], f: string): Cause[] {
  const type = s['x-kubernetes-list-type'];
  if (type !== 'set' && type !== 'map') return [];
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Set<string>();
  const causes: Cause[] = [];
  v.forEach((e, i) => {
    const key =
      type === 'set'
        ? JSON.stringify(e)
        : JSON.stringify(keys.map((k) => (isObject(e) && Object.hasOwn(e, k) ? e[k] : null)));
    if (!seen.has(key)) return void seen.add(key);
    const shownKey =
      type === 'set'
        ? JSON.stringify(e)
        : `map[string]interface {}{${keys.map((k, j) => `"${k}":${JSON.stringify((JSON.parse(key) as unknown[])[j])}`).join(', ')}}`;
    causes.push({ field: `${f}[${i}]`, message: `Duplicate value: ${shownKey}` });
  });
  return causes;
}

/**
 * Fills in defaults and prunes non-nullable nulls (in place), then checks the value: the causes,
 * and the unknown fields found. The root's `apiVersion`, `kind` and `metadata` are the API's.
 * allOf, anyOf, oneOf and not are value validations: their branches are checked without
 * defaulting, pruning or reporting unknown fields (a structural schema says every field outside them).
 */
export function applySchema(root: Schema, o: JsonObject): { causes: Cause[]; unknown: Unknown[] } {
  const unknown: Unknown[] = [];
  const visit = (s: Schema, v: unknown, path: (string | number)[], depth: number, out: Cause[], pure: boolean) => {
    const f = fieldName(path);
    if (depth > MAX_DEPTH)
      return void out.push({ field: f, message: `Invalid value: nested deeper than ${MAX_DEPTH}` });
    if (!fitsType(s, v)) {
      const t = typeOfValue(v);
      const want = s['x-kubernetes-int-or-string'] ? 'integer or string' : s.type;
      return void out.push({
        field: f,
        message: `Invalid value: "${t}": ${f} in body must be of type ${want}: "${t}"`,
      });
    }
    out.push(...valueCauses(s, v, f));
    if (Array.isArray(v) && s.items)
      v.forEach((e, i) => visit(s.items as Schema, e, [...path, i], depth + 1, out, pure));
    else if (isObject(v)) visitObject(s, v, path, depth, out, pure);
    junctors(s, v, path, depth, out);
  };
  const passes = (s: Schema, v: unknown, path: (string | number)[], depth: number) => {
    const out: Cause[] = [];
    visit(s, v, path, depth + 1, out, true);
    return out;
  };
  const junctors = (s: Schema, v: unknown, path: (string | number)[], depth: number, out: Cause[]) => {
    const f = fieldName(path);
    const invalid = (what: string) =>
      out.push({ field: f, message: `Invalid value: ${shown(v)}: ${f} in body ${what}` });
    for (const b of s.allOf ?? []) out.push(...passes(b, v, path, depth));
    if (s.anyOf?.length && !s.anyOf.some((b) => passes(b, v, path, depth).length === 0))
      invalid('must validate at least one schema (anyOf)');
    if (s.oneOf?.length) {
      const valid = s.oneOf.filter((b) => passes(b, v, path, depth).length === 0).length;
      if (valid !== 1)
        invalid(
          `must validate one and only one schema (oneOf). ${valid ? `Found ${valid} valid alternatives` : 'Found none valid'}`,
        );
    }
    if (s.not && passes(s.not, v, path, depth).length === 0) invalid('must not validate the schema (not)');
  };
  const visitObject = (
    s: Schema,
    v: JsonObject,
    path: (string | number)[],
    depth: number,
    out: Cause[],
    pure: boolean,
  ) => {
    const embedded = s['x-kubernetes-embedded-resource'] === true || path.length === 0;
    if (!pure)
      for (const [k, p] of Object.entries(s.properties ?? {}))
        if (!Object.hasOwn(v, k) && p.default !== undefined) setOwn(v, k, structuredClone(p.default));
    for (const k of Object.keys(v)) {
      const p = own(s.properties, k) ?? (isObject(s.additionalProperties) ? s.additionalProperties : undefined);
      if (v[k] === null && !p?.nullable && (p || !s['x-kubernetes-preserve-unknown-fields'])) {
        if (!pure) delete v[k];
        continue;
      }
      if (embedded && !pure && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      if (p) visit(p, v[k], [...path, k], depth + 1, out, pure);
      else if (!pure && s.additionalProperties !== true && !s['x-kubernetes-preserve-unknown-fields'])
        unknown.push({ parent: path, key: k });
    }
    for (const r of s.required ?? [])
      if (!Object.hasOwn(v, r)) out.push({ field: fieldName([...path, r]), message: 'Required value' });
  };
  const causes: Cause[] = [];
  visitObject(root, o, [], 0, causes, false);
  junctors(root, o, [], 0, causes);
  return { causes, unknown };
}
