import { ruleProblems } from './cel-rule-checks.js';
import type { Cause } from './names.js';
import { MAX_DEPTH, regexOf, TYPES } from './openapi-schema.js';
import { isObject, type JsonObject } from './patch.js';

/**
 * What the API server requires of a CustomResourceDefinition version's schema before it serves
 * it: a structural schema (a type for every field, value validations only inside allOf, anyOf,
 * oneOf and not, and no field there that is not also outside), patterns that compile, list types
 * it knows, and nothing of quadratic cost (uniqueItems).
 */

const JUNCTORS = ['allOf', 'anyOf', 'oneOf'] as const;
/** What a logical junctor may not set (a structural schema's rule 3). */
const NOT_IN_JUNCTORS = ['description', 'type', 'default', 'additionalProperties', 'nullable'];

/** The int-or-string pattern allowed in junctors: `anyOf: [{type: integer}, {type: string}]` beside x-kubernetes-int-or-string. */
function intOrStringPattern(s: JsonObject, key: string, i: number): boolean {
  const list = s[key];
  if (s['x-kubernetes-int-or-string'] !== true || !Array.isArray(list) || list.length !== 2) return false;
  const types = list.map((b) => (isObject(b) ? b['type'] : undefined));
  return types[i] !== undefined && types.includes('integer') && types.includes('string');
}

/** What is wrong with a schema as a CRD's version gives it (a structural schema's rules), under `field`. */
export function schemaProblems(s: unknown, field: string, depth = 0, inJunctor = false): Cause[] {
  if (!isObject(s)) return [{ field, message: 'Invalid value: must be an object' }];
  if (depth > MAX_DEPTH) return [{ field, message: `Invalid value: nested deeper than ${MAX_DEPTH}` }];
  const out: Cause[] = [];
  const t = s['type'];
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (t === undefined && !intOrString && !preserve && depth > 0 && !inJunctor)
    out.push({ field: `${field}.type`, message: 'Required value: must not be empty for specified object fields' });
  if (t !== undefined && (typeof t !== 'string' || !TYPES.has(t)))
    out.push({
      field: `${field}.type`,
      message: `Unsupported value: ${JSON.stringify(t)}: supported values: "array", "boolean", "integer", "number", "object", "string"`,
    });
  if (isObject(s['properties'])) {
    if (t !== 'object' && !inJunctor)
      out.push({ field: `${field}.type`, message: 'Invalid value: properties need type object' });
    for (const k of Object.keys(s['properties']))
      out.push(...schemaProblems(s['properties'][k], `${field}.properties[${k}]`, depth + 1, inJunctor));
  }
  if (s['items'] !== undefined) out.push(...schemaProblems(s['items'], `${field}.items`, depth + 1, inJunctor));
  if (t === 'array' && s['items'] === undefined && !inJunctor)
    out.push({ field: `${field}.items`, message: 'Required value: must be specified' });
  if (isObject(s['additionalProperties']))
    out.push(...schemaProblems(s['additionalProperties'], `${field}.additionalProperties`, depth + 1, inJunctor));
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
  if (s['uniqueItems'] === true)
    out.push({
      field: `${field}.uniqueItems`,
      message: 'Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
    });
  for (const k of ['multipleOf', 'minimum', 'maximum'])
    if (s[k] !== undefined && typeof s[k] !== 'number')
      out.push({ field: `${field}.${k}`, message: 'Invalid value: must be a number' });
  if (typeof s['multipleOf'] === 'number' && s['multipleOf'] <= 0)
    out.push({ field: `${field}.multipleOf`, message: 'Invalid value: must be greater than zero' });
  out.push(...listTypeProblems(s, field));
  out.push(...ruleProblems(s, field, depth === 0));
  out.push(...junctorProblems(s, field, depth));
  return out;
}

function listTypeProblems(s: JsonObject, field: string): Cause[] {
  const lt = s['x-kubernetes-list-type'];
  if (lt === undefined) return [];
  const f = `${field}.x-kubernetes-list-type`;
  if (lt !== 'atomic' && lt !== 'set' && lt !== 'map')
    return [
      { field: f, message: `Unsupported value: ${JSON.stringify(lt)}: supported values: "atomic", "set", "map"` },
    ];
  if (s['type'] !== 'array') return [{ field: f, message: 'Invalid value: must only be used if type is array' }];
  const items = isObject(s['items']) ? s['items'] : {};
  const keys = s['x-kubernetes-list-map-keys'];
  if (lt === 'map') {
    if (!Array.isArray(keys) || !keys.length || keys.some((k) => typeof k !== 'string'))
      return [
        {
          field: `${field}.x-kubernetes-list-map-keys`,
          message: 'Required value: must not be empty if x-kubernetes-list-type is map',
        },
      ];
    if (items['type'] !== 'object')
      return [{ field: `${field}.items.type`, message: 'Invalid value: must be object if parent list type is map' }];
    const props = isObject(items['properties']) ? items['properties'] : {};
    return (keys as string[])
      .filter((k) => !Object.hasOwn(props, k))
      .map((k) => ({
        field: `${field}.items.properties[${k}]`,
        message: 'Required value: entries for all x-kubernetes-list-map-keys are required',
      }));
  }
  if (keys !== undefined)
    return [
      {
        field: `${field}.x-kubernetes-list-map-keys`,
        message: 'Forbidden: can only be set if x-kubernetes-list-type is map',
      },
    ];
  if (lt === 'set' && (items['type'] === 'object' || items['type'] === 'array'))
    return [{ field: `${field}.items.type`, message: 'Invalid value: must be scalar for a set' }];
  return [];
}

/** allOf/anyOf/oneOf/not: lists of value validations, setting nothing that is not also said outside them. */
function junctorProblems(s: JsonObject, field: string, depth: number): Cause[] {
  const out: Cause[] = [];
  const branches: [string, unknown, number][] = [];
  for (const key of JUNCTORS) {
    const list = s[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      out.push({ field: `${field}.${key}`, message: 'Invalid value: must be a list of schemas' });
      continue;
    }
    list.forEach((b, i) => branches.push([`${field}.${key}[${i}]`, b, intOrStringPattern(s, key, i) ? 1 : 0]));
  }
  if (s['not'] !== undefined) branches.push([`${field}.not`, s['not'], 0]);
  for (const [f, b, typed] of branches) {
    out.push(...schemaProblems(b, f, depth + 1, true));
    if (!isObject(b)) continue;
    for (const k of NOT_IN_JUNCTORS)
      if (b[k] !== undefined && !(k === 'type' && typed))
        out.push({ field: `${f}.${k}`, message: 'Forbidden: must be empty to be structural' });
    out.push(...outsideProblems(s, b, f));
  }
  return out;
}

/** Every property and item a junctor's branch names must be named by the schema outside it too (rule 2). */
function outsideProblems(outside: JsonObject, branch: JsonObject, branchField: string): Cause[] {
  const out: Cause[] = [];
  if (isObject(branch['properties'])) {
    const known = isObject(outside['properties']) ? outside['properties'] : {};
    for (const k of Object.keys(branch['properties'])) {
      const inner = branch['properties'][k];
      if (!Object.hasOwn(known, k) && !isObject(outside['additionalProperties']))
        out.push({
          field: `${branchField}.properties[${k}]`,
          message: `Required value: because it is defined in ${branchField}.properties[${k}]`,
        });
      else if (isObject(inner)) {
        const o = Object.hasOwn(known, k) ? known[k] : outside['additionalProperties'];
        if (isObject(o)) out.push(...outsideProblems(o, inner, `${branchField}.properties[${k}]`));
      }
    }
  }
  if (isObject(branch['items'])) {
    if (!isObject(outside['items']))
      out.push({
        field: `${branchField}.items`,
        message: `Required value: because it is defined in ${branchField}.items`,
      });
    else out.push(...outsideProblems(outside['items'], branch['items'], `${branchField}.items`));
  }
  return out;
}
