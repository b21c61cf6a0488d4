import { parse } from '@bufbuild/cel';
import { programOf, REASONS } from './cel-rules.js';
import type { Cause } from './names.js';
import type { Schema } from './openapi-schema.js';
import { isObject, type JsonObject } from './patch.js';

/**
 * A CRD's x-kubernetes-validations checked when the CRD is written, as the API server compiles
 * them: each rule and messageExpression parses, its reason is one it knows, and a field it reads
 * from `self` or `oldSelf` is one the schema has (`undefined field 'x'`).
 */

/** What is wrong with a schema node's rules as a CRD gives them (they must compile), under `field`. */
export function ruleProblems(s: JsonObject, field: string, root = false): Cause[] {
  const list = s['x-kubernetes-validations'];
  if (list === undefined) return [];
  const f = `${field}.x-kubernetes-validations`;
  if (!Array.isArray(list)) return [{ field: f, message: 'Invalid value: must be a list of rules' }];
  const out: Cause[] = [];
  list.forEach((r, i) => {
    const at = `${f}[${i}]`;
    if (!isObject(r) || typeof r['rule'] !== 'string' || !r['rule'].trim())
      return void out.push({ field: `${at}.rule`, message: 'Required value' });
    for (const key of ['rule', 'messageExpression'] as const) {
      const expr = r[key];
      if (expr === undefined) continue;
      if (typeof expr !== 'string') {
        out.push({ field: `${at}.${key}`, message: 'Invalid value: must be a string' });
        continue;
      }
      try {
        programOf(expr);
        const missing = undefinedField(expr, s as Schema, root);
        if (missing) throw new Error(`undefined field '${missing}'`);
      } catch (e) {
        out.push({
          field: `${at}.${key}`,
          message: `Invalid value: ${JSON.stringify(expr)}: compilation failed: ERROR: ${(e as Error).message}`,
        });
      }
    }
    if (r['reason'] !== undefined && !REASONS.includes(r['reason'] as string))
      out.push({
        field: `${at}.reason`,
        message: `Unsupported value: ${JSON.stringify(r['reason'])}: supported values: ${REASONS.map((x) => `"${x}"`).join(', ')}`,
      });
    if (typeof r['message'] === 'string' && /[\r\n]/.test(r['message']))
      out.push({ field: `${at}.message`, message: 'Invalid value: message must not contain line breaks' });
  });
  return out;
}

const ROOT_FIELDS = ['apiVersion', 'kind', 'metadata'];

/** The first field a rule selects from `self`/`oldSelf` that the node's schema does not have (a map's keys are any). */
function undefinedField(expr: string, node: Schema, root: boolean): string | undefined {
  let found: string | undefined;
  const visit = (e: unknown, depth: number): void => {
    if (found || depth > 200 || !e || typeof e !== 'object') return;
    if (Array.isArray(e)) return void e.forEach((x) => visit(x, depth + 1));
    const kind = (e as { exprKind?: { case?: string; value?: unknown } }).exprKind;
    if (kind?.case === 'selectExpr') {
      const chain: string[] = [];
      let at: unknown = e;
      for (;;) {
        const k = (at as { exprKind?: { case?: string; value?: { operand?: unknown; field?: string; name?: string } } })
          .exprKind;
        if (k?.case === 'selectExpr') {
          chain.unshift(k.value?.field ?? '');
          at = k.value?.operand;
        } else {
          if (k?.case === 'identExpr' && (k.value?.name === 'self' || k.value?.name === 'oldSelf'))
            found = missingIn(node, chain, root);
          break;
        }
      }
    }
    for (const key of Object.keys(e)) if (key !== '$typeName') visit((e as Record<string, unknown>)[key], depth + 1);
  };
  visit(parse(expr), 0);
  return found;
}

function missingIn(s: Schema | undefined, chain: string[], root: boolean): string | undefined {
  let at = s;
  for (const [i, f] of chain.entries()) {
    if (!at || at['x-kubernetes-preserve-unknown-fields'] || at.type !== 'object') return undefined;
    if (i === 0 && root && ROOT_FIELDS.includes(f)) return undefined;
    if (at.properties && Object.hasOwn(at.properties, f)) at = at.properties[f];
    else if (at.additionalProperties) return undefined;
    else return f;
  }
  return undefined;
}
