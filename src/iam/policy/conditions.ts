import { compileWildcard } from '../../kernel/index.js';

/** Condition operator → condition key → values (as strings: IAM compares by the operator's type). */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

// IAM's condition operators, as its documentation defines them: within a block every operator
// must hold, within an operator every key, and for a key any one of the policy's values.

/**
 * The request's condition keys, by lower-cased name (keys are case-insensitive, values are not).
 * A Map will do; a caller may also compute values as they are asked for.
 */
export interface ConditionContext {
  get(key: string): string | readonly string[] | undefined;
  /**
   * For a call over several resources: the context with one resource's own keys
   * (`aws:ResourceTag/…`) added. Without it, the call's context serves every resource.
   */
  forResource?(resource: string): ConditionContext;
}

type Match = (have: string, want: string) => boolean;

const num = (s: string) => (/^-?\d+(\.\d+)?$/.test(s.trim()) ? Number(s) : NaN);
/** A date as IAM reads one: ISO 8601, or epoch seconds. */
const time = (s: string) => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));
const cmp = (a: number, b: number, f: (a: number, b: number) => boolean) => !isNaN(a) && !isNaN(b) && f(a, b);

function ipMatch(have: string, cidr: string): boolean {
  const toBits = (ip: string): bigint | undefined => {
    if (ip.includes(':')) {
      const [head = '', tail] = ip.split('::');
      const parts = (x: string) => (x === '' ? [] : x.split(':'));
      const h = parts(head);
      const t = tail === undefined ? [] : parts(tail);
      const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
      const all = [...h, ...fill, ...t];
      if (all.length !== 8 || !all.every((p) => /^[0-9a-fA-F]{1,4}$/.test(p))) return undefined;
      return all.reduce((acc, p) => (acc << 16n) | BigInt(parseInt(p, 16)), 0n);
    }
    const o = ip.split('.');
    if (o.length !== 4 || !o.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256)) return undefined;
    return o.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
  };
  const [net = '', lenText] = cidr.split('/');
  const v6 = net.includes(':');
  if (have.includes(':') !== v6) return false;
  const width = v6 ? 128 : 32;
  const len = lenText === undefined ? width : Number(lenText);
  const a = toBits(have);
  const b = toBits(net);
  if (a === undefined || b === undefined || !Number.isInteger(len) || len < 0 || len > width) return false;
  const shift = BigInt(width - len);
  return a >> shift === b >> shift;
}

const like: Match = (h, w) => compileWildcard(w, { questionMark: true })(h);
/** ARNs compare field by field, each with wildcards, so `*` never crosses a colon of the six fields. */
const arnLike: Match = (h, w) => {
  const hp = h.split(':');
  const wp = w.split(':');
  if (hp.length < 6 || wp.length < 6) return false;
  const hs = [...hp.slice(0, 5), hp.slice(5).join(':')];
  const ws = [...wp.slice(0, 5), wp.slice(5).join(':')];
  return ws.every((p, i) => like(hs[i] as string, p));
};

/** The positive operators; each has a negated twin (StringNotEquals, ArnNotLike, NotIpAddress, …). */
const OPERATORS: Record<string, { match: Match; negated?: string }> = {
  StringEquals: { match: (h, w) => h === w, negated: 'StringNotEquals' },
  StringEqualsIgnoreCase: {
    match: (h, w) => h.toLowerCase() === w.toLowerCase(),
    negated: 'StringNotEqualsIgnoreCase',
  },
  StringLike: { match: like, negated: 'StringNotLike' },
  NumericEquals: { match: (h, w) => cmp(num(h), num(w), (a, b) => a === b), negated: 'NumericNotEquals' },
  NumericLessThan: { match: (h, w) => cmp(num(h), num(w), (a, b) => a < b) },
  NumericLessThanEquals: { match: (h, w) => cmp(num(h), num(w), (a, b) => a <= b) },
  NumericGreaterThan: { match: (h, w) => cmp(num(h), num(w), (a, b) => a > b) },
  NumericGreaterThanEquals: { match: (h, w) => cmp(num(h), num(w), (a, b) => a >= b) },
  DateEquals: { match: (h, w) => cmp(time(h), time(w), (a, b) => a === b), negated: 'DateNotEquals' },
  DateLessThan: { match: (h, w) => cmp(time(h), time(w), (a, b) => a < b) },
  DateLessThanEquals: { match: (h, w) => cmp(time(h), time(w), (a, b) => a <= b) },
  DateGreaterThan: { match: (h, w) => cmp(time(h), time(w), (a, b) => a > b) },
  DateGreaterThanEquals: { match: (h, w) => cmp(time(h), time(w), (a, b) => a >= b) },
  Bool: { match: (h, w) => h.toLowerCase() === w.toLowerCase() },
  BinaryEquals: { match: (h, w) => h === w },
  IpAddress: { match: ipMatch, negated: 'NotIpAddress' },
  ArnEquals: { match: arnLike, negated: 'ArnNotEquals' },
  ArnLike: { match: arnLike, negated: 'ArnNotLike' },
};

const NEGATED = new Map<string, string>(
  Object.entries(OPERATORS).flatMap(([pos, o]) => (o.negated ? [[o.negated, pos] as [string, string]] : [])),
);

/** The positive operator a (possibly negated) operator name stands for; undefined when IAM knows neither. */
function positiveOf(op: string): string | undefined {
  // Operator names come from policy documents: never looked up on Object.prototype.
  if (Object.hasOwn(OPERATORS, op)) return op;
  return NEGATED.get(op);
}

/** Whether IAM knows a condition operator (with its set prefix and IfExists suffix, if any). */
export function isKnownOperator(operator: string): boolean {
  const op = operator.replace(/^(ForAnyValue|ForAllValues):/, '');
  if (op === 'Null') return true;
  const base = op.endsWith('IfExists') ? op.slice(0, -8) : op;
  return positiveOf(base) !== undefined;
}

/** Why a condition cannot be read: an operator IAM does not know (the statement then never applies). */
export class UnknownOperator extends Error {}

type Fill = (v: string) => string | undefined;
/** One operator over one key, its names resolved once: whether it holds for a request. */
type Check = (ctx: ConditionContext, fill: Fill) => boolean;

/**
 * One operator of a condition block over one key: `ForAnyValue:`/`ForAllValues:` set forms,
 * `…IfExists`, and the negated operators (true for a key the request lacks, as IAM documents).
 * The operator's name is read here, once per policy; the request's values at each call.
 */
function compileCheck(operator: string, key: string, policyValues: readonly string[]): Check {
  let op = operator;
  let set: 'any' | 'all' | undefined;
  if (op.startsWith('ForAnyValue:')) [set, op] = ['any', op.slice(12)];
  else if (op.startsWith('ForAllValues:')) [set, op] = ['all', op.slice(13)];
  const lowerKey = key.toLowerCase();
  // Policy variables are filled per request; most values have none and are used as written.
  const variable = policyValues.some((v) => v.includes('${'));
  const wantedOf = (fill: Fill) =>
    variable ? policyValues.map(fill).filter((v): v is string => v !== undefined) : policyValues;
  const valuesOf = (ctx: ConditionContext) => {
    const raw = ctx.get(lowerKey);
    return raw === undefined ? undefined : typeof raw === 'string' ? [raw] : raw;
  };
  if (op === 'Null')
    return (ctx, fill) => {
      const values = valuesOf(ctx);
      const absent = values === undefined || values.length === 0;
      return wantedOf(fill).some((w) => (w.toLowerCase() === 'true') === absent);
    };
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -8);
  const positive = positiveOf(op);
  if (!positive)
    return () => {
      throw new UnknownOperator(operator);
    };
  const negated = positive !== op;
  const match = (OPERATORS[positive] as { match: Match }).match;
  return (ctx, fill) => {
    const values = valuesOf(ctx);
    if (values === undefined || values.length === 0) {
      if (set === 'all') return true;
      if (set === 'any') return false;
      return ifExists || negated;
    }
    const wanted = wantedOf(fill);
    // A value "matches" the operator: for a negated one, it equals none of the policy's values.
    const one = (v: string) => (negated ? !wanted.some((w) => match(v, w)) : wanted.some((w) => match(v, w)));
    if (set === 'any') return values.some(one);
    // ForAllValues, and a single-valued operator over a key that has several values: each must match.
    return values.every(one);
  };
}

const compiledBlocks = new WeakMap<ConditionBlock, readonly Check[]>();

/**
 * Whether every operator and key of a Condition block holds for the request. `fill` puts policy
 * variables' values into the policy's values (a value whose variable is missing matches nothing).
 * Parsed policies are kept, and so are their blocks' compiled checks.
 */
export function conditionsHold(block: ConditionBlock, ctx: ConditionContext, fill: Fill = (v) => v): boolean {
  let checks = compiledBlocks.get(block);
  if (!checks) {
    checks = Object.entries(block).flatMap(([op, keys]) =>
      Object.entries(keys).map(([key, values]) => compileCheck(op, key, values)),
    );
    compiledBlocks.set(block, checks);
  }
  for (const check of checks) if (!check(ctx, fill)) return false;
  return true;
}
