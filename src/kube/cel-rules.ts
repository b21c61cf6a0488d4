import { Script, createContext } from 'node:vm';
import { celEnv, isCelError, parse, plan, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { K8S_LISTS } from './cel-lists.js';
import { K8S_NET } from './cel-net.js';
import { K8S_QUANTITY } from './cel-quantity.js';
import { K8S_REGEX } from './cel-regex.js';
import type { Cause } from './names.js';
import type { Schema } from './openapi-schema.js';
import { isObject, type JsonObject } from './patch.js';

/**
 * A CRD schema's `x-kubernetes-validations`: CEL rules over `self` (the value where the rule is)
 * and, for transition rules, `oldSelf` (the value it replaces), as the API server runs them —
 * with its messages, reasons and field paths. CEL is @bufbuild/cel (its `matches` is RE2, linear
 * time); the API server's static cost limits are a time budget here: the rules of one write get
 * CEL_BUDGET_MS between them, and V8 stops an evaluation that runs past it.
 */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export const CEL_BUDGET_MS = 500;
/** How the API server names the object's root in a field error. */
const ROOT = '<nil>';
export const REASONS = ['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'];
const env = celEnv({ funcs: [...strings, ...K8S_LISTS, ...K8S_NET, ...K8S_QUANTITY, ...K8S_REGEX] });
type Program = (bindings: Record<string, unknown>) => CelResult;
const programs = new Map<string, Program>();

export function programOf(expr: string): Program {
  let p = programs.get(expr);
  if (!p) {
    p = plan(env, parse(expr)) as Program;
    if (programs.size > 2000) programs.clear();
    programs.set(expr, p);
  }
  return p;
}

const rulesOf = (s: Schema): ValidationRule[] => {
  const r = (s as JsonObject)['x-kubernetes-validations'];
  return Array.isArray(r) ? (r as ValidationRule[]) : [];
};

const holdsRules = new WeakMap<object, boolean>();
/** Whether a schema node or anything under it has rules (subtrees without are not walked). */
function hasRules(s: Schema | undefined, depth = 0): boolean {
  if (!s || typeof s !== 'object' || depth > 64) return false;
  const known = holdsRules.get(s);
  if (known !== undefined) return known;
  const v =
    rulesOf(s).length > 0 ||
    Object.values(s.properties ?? {}).some((p) => hasRules(p, depth + 1)) ||
    hasRules(s.items, depth + 1) ||
    (isObject(s.additionalProperties) && hasRules(s.additionalProperties as Schema, depth + 1));
  holdsRules.set(s, v);
  return v;
}

/** A JSON value as CEL sees it under its schema: integers as int, objects as maps (no prototype to look up). */
export function celValue(s: Schema | undefined, v: unknown, depth = 0): unknown {
  if (depth > 64) return null;
  if (typeof v === 'number') {
    const integral = s?.type === 'integer' || (s?.type !== 'number' && Number.isInteger(v));
    return integral && Number.isSafeInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map((e) => celValue(s?.items, e, depth + 1));
  if (isObject(v)) {
    const m = new Map<string, unknown>();
    for (const k of Object.keys(v)) {
      const p =
        s?.properties && Object.hasOwn(s.properties, k)
          ? s.properties[k]
          : isObject(s?.additionalProperties)
            ? (s?.additionalProperties as Schema)
            : undefined;
      m.set(k, celValue(p, v[k], depth + 1));
    }
    return m;
  }
  return v;
}

const typeName = (s: Schema, v: unknown) =>
  s.type ?? (Array.isArray(v) ? 'array' : isObject(v) ? 'object' : typeof v === 'number' ? 'number' : typeof v);

const context = createContext({ job: undefined as undefined | (() => void) });
const runner = new Script('job()');

/** What the rules say of an object (and the one it replaces, for transition rules): causes, and warnings for rules not run. */
export function celCauses(
  root: Schema,
  next: JsonObject,
  prev: JsonObject | undefined,
  budgetMs = CEL_BUDGET_MS,
): { causes: Cause[]; warnings: string[] } {
  const causes: Cause[] = [];
  const warnings: string[] = [];
  if (!hasRules(root)) return { causes, warnings };
  const walk = (s: Schema, v: unknown, old: unknown, path: string, depth: number): void => {
    if (v === undefined || v === null || depth > 64 || !hasRules(s)) return;
    const rules = rulesOf(s);
    if (rules.length) {
      // The node's value as CEL sees it, made once for all its rules.
      const self = celValue(s, v);
      const oldSelf = old === undefined ? undefined : celValue(s, old);
      for (const r of rules) check(s, r, v, self, oldSelf, path);
    }
    if (isObject(v)) {
      const o = isObject(old) ? old : undefined;
      for (const k of Object.keys(v)) {
        const p =
          s.properties && Object.hasOwn(s.properties, k)
            ? s.properties[k]
            : isObject(s.additionalProperties)
              ? (s.additionalProperties as Schema)
              : undefined;
        if (p && !(depth === 0 && (k === 'apiVersion' || k === 'kind')))
          walk(p, v[k], o && Object.hasOwn(o, k) ? o[k] : undefined, path ? `${path}.${k}` : k, depth + 1);
      }
    } else if (Array.isArray(v) && s.items) {
      // Elements are matched to their old selves only in a map list, by its keys.
      const keys = s['x-kubernetes-list-type'] === 'map' ? (s['x-kubernetes-list-map-keys'] ?? []) : undefined;
      const keyOf = (e: unknown) =>
        JSON.stringify(keys?.map((k) => (isObject(e) && Object.hasOwn(e, k) ? e[k] : null)));
      const olds = new Map<string, unknown>();
      if (keys && Array.isArray(old)) for (const e of old) olds.set(keyOf(e), e);
      v.forEach((e, i) =>
        walk(s.items as Schema, e, keys ? olds.get(keyOf(e)) : undefined, `${path}[${i}]`, depth + 1),
      );
    }
  };
  const check = (s: Schema, r: ValidationRule, v: unknown, self: unknown, oldSelf: unknown, path: string) => {
    if (typeof r.rule !== 'string') return;
    const transition = /\boldSelf\b/.test(r.rule);
    if (transition && oldSelf === undefined) return;
    const bindings: Record<string, unknown> = { self };
    if (transition) bindings['oldSelf'] = oldSelf;
    const rule = r.rule.trim();
    // fieldPath is relative to the rule's node (`.replicas`, `['a.b']`): the cause names it.
    const rel = (r.fieldPath ?? '').replace(/^\./, '');
    const at = !rel ? path : !path ? rel : rel.startsWith('[') ? `${path}${rel}` : `${path}.${rel}`;
    const field = at || ROOT;
    const type = JSON.stringify(typeName(s, v));
    const result = programOf(r.rule)(bindings);
    if (isCelError(result)) {
      if (/^unbound function/.test(result.message))
        warnings.push(
          `x-kubernetes-validations rule "${rule}" at ${path || '<root>'} was not checked: ${result.message} (not implemented in berth)`,
        );
      else
        causes.push({
          field: path || ROOT,
          message: `Invalid value: ${type}: ${result.message} evaluating rule: ${rule}`,
        });
      return;
    }
    if (result === true) return;
    let message = r.message ?? `failed rule: ${rule}`;
    if (r.messageExpression) {
      const m = programOf(r.messageExpression)(bindings);
      if (typeof m === 'string' && m.trim() && !/[\r\n]/.test(m)) message = m;
    }
    const reason = r.reason ?? 'FieldValueInvalid';
    causes.push({
      field,
      message:
        reason === 'FieldValueForbidden'
          ? `Forbidden: ${message}`
          : reason === 'FieldValueRequired'
            ? `Required value: ${message}`
            : reason === 'FieldValueDuplicate'
              ? `Duplicate value: ${type}`
              : `Invalid value: ${type}: ${message}`,
    });
  };
  if (!withinBudget(() => walk(root, next, prev, '', 0), budgetMs))
    causes.push({
      field: ROOT,
      message: `Forbidden: the x-kubernetes-validations rules took longer than ${budgetMs} ms; no further validation rules were run`,
    });
  return { causes, warnings };
}

/** Runs a job in the CEL context, stopped by V8 past the budget: whether it finished. */
function withinBudget(job: () => void, budgetMs: number): boolean {
  context['job'] = job;
  try {
    runner.runInContext(context, { timeout: budgetMs });
    return true;
  } catch (e) {
    if (!/timed out/.test(String(e))) throw e;
    return false;
  } finally {
    context['job'] = undefined;
  }
}

/**
 * One expression evaluated within a time budget, as the API server's runtime cost limit stops an
 * admission expression: its result, or `timeout`.
 */
export function celEvaluate(
  expr: string,
  bindings: Record<string, unknown>,
  budgetMs = CEL_BUDGET_MS,
): CelResult | 'timeout' {
  let out: CelResult | undefined;
  const done = withinBudget(() => {
    out = programOf(expr)(bindings);
  }, budgetMs);
  return done ? (out as CelResult) : 'timeout';
}
