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
}

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const MAX_DEPTH = 64;
const patterns = new Map<string, LinearRegex>();
const regexOf = (p: string) => {
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

/** What is wrong with a schema as a CRD's version gives it (a structural schema's rules), under `field`. */
export function schemaProblems(s: unknown, field: string, depth = 0): Cause[] {
  if (!isObject(s)) return [{ field, message: 'Invalid value: must be an object' }];
  if (depth > MAX_DEPTH) return [{ field, message: `Invalid value: nested deeper than ${MAX_DEPTH}` }];
  const out: Cause[] = [];
  const t = s['type'];
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (t === undefined && !intOrString && !preserve && depth > 0)
    out.push({ field: `${field}.type`, message: 'Required value: must not be empty for specified object fields' });
  if (t !== undefined && (typeof t !== 'string' || !TYPES.has(t)))
    out.push({
      field: `${field}.type`,
      message: `Unsupported value: ${JSON.stringify(t)}: supported values: "array", "boolean", "integer", "number", "object", "string"`,
    });
  if (isObject(s['properties'])) {
    if (t !== 'object') out.push({ field: `${field}.type`, message: 'Invalid value: properties need type object' });
    for (const k of Object.keys(s['properties']))
      out.push(...schemaProblems(s['properties'][k], `${field}.properties[${k}]`, depth + 1));
  }
  if (s['items'] !== undefined) out.push(...schemaProblems(s['items'], `${field}.items`, depth + 1));
  if (t === 'array' && s['items'] === undefined)
    out.push({ field: `${field}.items`, message: 'Required value: must be specified' });
  if (isObject(s['additionalProperties']))
    out.push(...schemaProblems(s['additionalProperties'], `${field}.additionalProperties`, depth + 1));
  if (s['pattern'] !== undefined) {
    try {
      if (typeof s['pattern'] !== 'string') throw new Error('must be a string');
      regexOf(s['pattern']);
    } catch (e) {
      out.push({
        field: `${field}.pattern`,
        message: `Invalid value: ${JSON.stringify(s['pattern'])}: ${(e as Error).message}`,
      });
    }
  }
  if (
    s['required'] !== undefined &&
    (!Array.isArray(s['required']) || s['required'].some((r) => typeof r !== 'string'))
  )
    out.push({ field: `${field}.required`, message: 'Invalid value: must be a list of field names' });
  return out;
}

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

/**
 * Fills in defaults and prunes non-nullable nulls (in place), then checks the value: the causes,
 * and the unknown fields found. The root's `apiVersion`, `kind` and `metadata` are the API's.
 */
export function applySchema(root: Schema, o: JsonObject): { causes: Cause[]; unknown: Unknown[] } {
  const causes: Cause[] = [];
  const unknown: Unknown[] = [];
  const visit = (s: Schema, v: unknown, path: (string | number)[], depth: number): void => {
    const f = fieldName(path);
    if (depth > MAX_DEPTH)
      return void causes.push({ field: f, message: `Invalid value: nested deeper than ${MAX_DEPTH}` });
    if (!fitsType(s, v)) {
      const t = typeOfValue(v);
      const want = s['x-kubernetes-int-or-string'] ? 'integer or string' : s.type;
      return void causes.push({
        field: f,
        message: `Invalid value: "${t}": ${f} in body must be of type ${want}: "${t}"`,
      });
    }
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
    } else if (Array.isArray(v)) {
      if (s.maxItems !== undefined && v.length > s.maxItems)
        causes.push({ field: f, message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
      if (s.minItems !== undefined && v.length < s.minItems)
        causes.push({
          field: f,
          message: `Invalid value: ${v.length}: ${f} in body should have at least ${s.minItems} items`,
        });
      if (s.items) v.forEach((e, i) => visit(s.items as Schema, e, [...path, i], depth + 1));
    } else if (isObject(v)) visitObject(s, v, path, depth);
  };
  const visitObject = (s: Schema, v: JsonObject, path: (string | number)[], depth: number) => {
    const embedded = s['x-kubernetes-embedded-resource'] === true || path.length === 0;
    for (const [k, p] of Object.entries(s.properties ?? {}))
      if (!Object.hasOwn(v, k) && p.default !== undefined) setOwn(v, k, structuredClone(p.default));
    for (const k of Object.keys(v)) {
      const p = own(s.properties, k) ?? (isObject(s.additionalProperties) ? s.additionalProperties : undefined);
      if (v[k] === null && !p?.nullable && (p || !s['x-kubernetes-preserve-unknown-fields'])) {
        delete v[k];
        continue;
      }
      if (embedded && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      if (p) visit(p, v[k], [...path, k], depth + 1);
      else if (s.additionalProperties !== true && !s['x-kubernetes-preserve-unknown-fields'])
        unknown.push({ parent: path, key: k });
    }
    for (const r of s.required ?? [])
      if (!Object.hasOwn(v, r)) causes.push({ field: fieldName([...path, r]), message: 'Required value' });
  };
  visitObject(root, o, [], 0);
  return { causes, unknown };
}
