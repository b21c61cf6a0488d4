import { z } from 'zod';
import type { KindDef } from '../kube/index.js';

/**
 * The built-in kinds' schemas for the OpenAPI v3 documents (what `kubectl explain` reads), made
 * from the zod schemas berth validates with: JSON Schema as zod writes it, turned into OpenAPI
 * 3.0's dialect (nullable instead of a null type, boolean exclusive bounds, no closed objects,
 * no property-name schemas, no safe-integer bounds). Fields only: berth's schemas carry no descriptions.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const SAFE = Number.MAX_SAFE_INTEGER;

function toOpenApi(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toOpenApi);
  if (!isObject(v)) return v;
  const anyOf = v['anyOf'];
  if (Array.isArray(anyOf)) {
    const rest = anyOf.filter((s) => !(isObject(s) && s['type'] === 'null'));
    if (rest.length === 1 && rest.length < anyOf.length) {
      const { anyOf: _drop, ...others } = v;
      return toOpenApi({ ...others, ...(rest[0] as Json), nullable: true });
    }
  }
  const out: Json = {};
  const type = v['type'];
  if (Array.isArray(type)) {
    // A nullable scalar: `type: ["string", "null"]`.
    const rest = type.filter((t) => t !== 'null');
    if (rest.length === 1) out['type'] = rest[0];
    if (rest.length < type.length) out['nullable'] = true;
  }
  for (const [k, val] of Object.entries(v)) {
    if (k === '$schema' || k === 'propertyNames' || (k === 'additionalProperties' && val === false)) continue;
    if (k === 'type' && Array.isArray(val)) continue;
    if ((k === 'minimum' && val === -SAFE) || (k === 'maximum' && val === SAFE)) continue;
    if (k === 'const') {
      out['enum'] = [val];
      continue;
    }
    if ((k === 'exclusiveMinimum' || k === 'exclusiveMaximum') && typeof val === 'number') {
      out[k === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = val;
      out[k] = true;
      continue;
    }
    // Keys are the schema's own words or field names: none is `__proto__` in berth's schemas.
    Object.defineProperty(out, k, { value: toOpenApi(val), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const cache = new WeakMap<KindDef, [string, unknown][]>();

/** A built-in kind's schema entry (`io.k8s.api.<group>.<version>.<Kind>`), or none for one zod cannot say. */
export function builtinSchema(k: KindDef): [string, unknown][] {
  if (k.custom || k.virtual) return [];
  let entry = cache.get(k);
  if (!entry) {
    try {
      const schema = toOpenApi(z.toJSONSchema(k.schema, { unrepresentable: 'any', io: 'input' })) as Json;
      entry = [
        [
          `io.k8s.api.${k.group || 'core'}.${k.version}.${k.kind}`,
          { ...schema, 'x-kubernetes-group-version-kind': [{ group: k.group, version: k.version, kind: k.kind }] },
        ],
      ];
    } catch {
      entry = [];
    }
    cache.set(k, entry);
  }
  return entry;
}
