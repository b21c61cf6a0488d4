import { invalidParameter } from '../kernel/index.js';
import type { KindDef } from './kinds.js';
import { labelValueProblem, qualifiedNameProblem } from './names.js';
import { metaOf, type KubeObject } from './object.js';

/** One requirement of a label selector (Kubernetes' operators). */
type Requirement =
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!=' | 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type Selector = (labels: Readonly<Record<string, string>>) => boolean;

const bad = (message: string) => invalidParameter(message, { reason: 'malformed' });

/** Splits at the commas outside parentheses, in one pass. */
function topLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function checkKey(key: string): string {
  const p = qualifiedNameProblem(key);
  if (p) throw bad(`unable to parse requirement: invalid label key "${key}": ${p}`);
  return key;
}

function checkValue(v: string): string {
  const p = labelValueProblem(v);
  if (p) throw bad(`unable to parse requirement: invalid label value: "${v}": ${p}`);
  return v;
}

function requirement(text: string): Requirement {
  if (text.startsWith('!')) return { key: checkKey(text.slice(1).trim()), op: '!' };
  const set = /^([^\s!=<>()]+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const values = (set[3] as string).split(',').map((v) => checkValue(v.trim()));
    return { key: checkKey(set[1] as string), op: set[2] as 'in' | 'notin', values };
  }
  const cmp = /^([^\s!=<>()]+)\s*(==|!=|=|>|<)\s*([^\s!=<>()]*)$/.exec(text);
  if (cmp) {
    const key = checkKey(cmp[1] as string);
    const op = cmp[2] as string;
    const value = cmp[3] as string;
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(value))
        throw bad(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      return { key, op: op === '>' ? 'gt' : 'lt', value: Number(value) };
    }
    return { key, op: op === '!=' ? '!=' : '=', values: [checkValue(value)] };
  }
  if (/^[^\s!=<>()]+$/.test(text)) return { key: checkKey(text), op: 'exists' };
  throw bad(`unable to parse requirement: found '${text}', expected: identifier`);
}

function matches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.op) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case '=':
    case 'in':
      return has && r.values.includes(v as string);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v as string);
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(v as string)) return false;
      return r.op === 'gt' ? Number(v) > r.value : Number(v) < r.value;
    }
  }
}

/** A label selector (`app=web,tier in (a,b),!legacy`) as a test of an object's labels. */
export function labelSelector(text: string | undefined): Selector {
  if (!text) return () => true;
  if (text.length > 4096) throw bad('the label selector is longer than 4096 characters');
  const reqs = topLevel(text).map(requirement);
  return (labels) => reqs.every((r) => matches(r, labels));
}

/** A field selector (`metadata.name=x,type!=Opaque`) over the fields a kind lets one select on. */
export function fieldSelector(kind: KindDef, text: string | undefined): (o: KubeObject) => boolean {
  if (!text) return () => true;
  if (text.length > 4096) throw bad('the field selector is longer than 4096 characters');
  const tests = topLevel(text).map((part) => {
    const m = /^([^=!]+)(==|!=|=)(.*)$/.exec(part);
    if (!m) throw bad(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = (m[1] as string).trim();
    const want = (m[3] as string).trim();
    const negate = m[2] === '!=';
    const read =
      field === 'metadata.name'
        ? (o: KubeObject) => metaOf(o).name ?? ''
        : field === 'metadata.namespace' && kind.namespaced
          ? (o: KubeObject) => metaOf(o).namespace ?? ''
          : kind.selectableFields && Object.hasOwn(kind.selectableFields, field)
            ? kind.selectableFields[field]
            : undefined;
    if (!read) throw bad(`field label not supported: ${field}`);
    return (o: KubeObject) => (read(o) === want) !== negate;
  });
  return (o) => tests.every((t) => t(o));
}
