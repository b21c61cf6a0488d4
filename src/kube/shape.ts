import { invalidParameter } from '../kernel/index.js';
import type { FieldValidation } from './deps.js';
import type { KindDef } from './kinds.js';
import { invalidObject } from './names.js';
import { metaOf, type KubeObject } from './object.js';

const pathOf = (path: readonly PropertyKey[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');

/**
 * Checks a decoded object against its kind's schema. Unknown fields are refused (Strict, a 400
 * as the API server's strict decoding gives), dropped with a warning (Warn, the server's default)
 * or dropped (Ignore); a field of the wrong type is Invalid (422) naming it.
 */
export function checkShape(kind: KindDef, o: KubeObject, mode: FieldValidation = 'Warn', prev?: KubeObject): string[] {
  const warnings = checkFields(kind, o, mode);
  // A custom kind's CEL rules see the object as stored: defaulted, its unknown fields pruned.
  const rules = kind.rules?.(o, prev);
  if (rules?.causes.length) throw invalidObject(kind.kind, metaOf(o).name ?? '', rules.causes, kind.group);
  return rules?.warnings.length ? [...warnings, ...rules.warnings] : warnings;
}

function checkFields(kind: KindDef, o: KubeObject, mode: FieldValidation): string[] {
  const r = kind.schema.safeParse(o);
  const custom = kind.shape?.(o);
  if (r.success && !custom?.causes.length && !custom?.unknown.length) return [];
  const unknown: { parent: readonly PropertyKey[]; key: string }[] = [...(custom?.unknown ?? [])];
  const causes: { field: string; message: string }[] = [...(custom?.causes ?? [])];
  for (const issue of r.success ? [] : r.error.issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) unknown.push({ parent: issue.path, key });
    else causes.push({ field: pathOf(issue.path), message: `Invalid value: ${issue.message}` });
  }
  if (causes.length) throw invalidObject(kind.kind, metaOf(o).name ?? '', causes, kind.group);
  const names = unknown.map((u) => `unknown field "${pathOf([...u.parent, u.key])}"`);
  if (mode === 'Strict') throw invalidParameter(`strict decoding error: ${names.join(', ')}`, { reason: 'malformed' });
  for (const u of unknown) {
    let at: unknown = o;
    for (const p of u.parent) at = (at as Record<PropertyKey, unknown>)[p];
    if (at && typeof at === 'object' && Object.hasOwn(at, u.key)) delete (at as Record<string, unknown>)[u.key];
  }
  return mode === 'Warn' ? names : [];
}
