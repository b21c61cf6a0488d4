import type { AlarmState } from './alarms.js';

/**
 * A composite alarm's rule: `ALARM("cpu-high") AND NOT OK(errors)`, with TRUE and FALSE, AND,
 * OR, NOT and parentheses, alarms named by name or ARN, quoted or not. Parsed by hand in one
 * pass (a rule is up to 10,240 characters of request input).
 */
export type Rule =
  | { k: 'const'; v: boolean }
  | { k: 'state'; state: AlarmState; alarm: string }
  | { k: 'not'; e: Rule }
  | { k: 'and' | 'or'; l: Rule; r: Rule };

export class RuleError extends Error {}

const STATES: Readonly<Record<string, AlarmState>> = {
  ALARM: 'ALARM',
  OK: 'OK',
  INSUFFICIENT_DATA: 'INSUFFICIENT_DATA',
};
const MAX_DEPTH = 64;

type Token = { t: 'word' | 'name' | 'open' | 'close'; v: string; at: number } | { t: 'end'; v: ''; at: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '(' || c === ')') {
      out.push({ t: c === '(' ? 'open' : 'close', v: c, at: i });
      i++;
    } else if (c === '"') {
      const close = src.indexOf('"', i + 1);
      if (close < 0) throw new RuleError(`an alarm name opened at position ${i + 1} is not closed`);
      out.push({ t: 'name', v: src.slice(i + 1, close), at: i });
      i = close + 1;
    } else {
      // A bare word: an operator, a state, TRUE/FALSE, or an unquoted alarm name (up to a space or parenthesis).
      const at = i;
      while (i < src.length && !' \t\n\r()"'.includes(src[i] as string)) i++;
      out.push({ t: 'word', v: src.slice(at, i), at });
    }
  }
  out.push({ t: 'end', v: '', at: src.length });
  return out;
}

export function parseRule(src: string): Rule {
  const tokens = tokenize(src);
  let pos = 0;
  let depth = 0;
  const peek = () => tokens[pos] as Token;
  const word = (w: string) => peek().t === 'word' && peek().v.toUpperCase() === w;
  const where = (t: Token) => (t.t === 'end' ? 'the end of the rule' : `'${t.v}' at position ${t.at + 1}`);
  // OR and AND: left-associative levels, each over the next tighter one.
  const level = (op: 'OR' | 'AND', next: () => Rule) => (): Rule => {
    let l = next();
    while (word(op)) {
      pos++;
      l = { k: op === 'OR' ? 'or' : 'and', l, r: next() };
    }
    return l;
  };
  const and = level('AND', () => unary());
  const or = level('OR', and);
  const unary = (): Rule => {
    if (++depth > MAX_DEPTH) throw new RuleError(`the rule is nested deeper than ${MAX_DEPTH} levels`);
    try {
      if (word('NOT')) {
        pos++;
        return { k: 'not', e: unary() };
      }
      const t = peek();
      if (t.t === 'open') {
        pos++;
        const e = or();
        if (peek().t !== 'close') throw new RuleError(`expected ')' but found ${where(peek())}`);
        pos++;
        return e;
      }
      if (t.t === 'word' && (t.v.toUpperCase() === 'TRUE' || t.v.toUpperCase() === 'FALSE')) {
        pos++;
        return { k: 'const', v: t.v.toUpperCase() === 'TRUE' };
      }
      const state = t.t === 'word' && Object.hasOwn(STATES, t.v.toUpperCase()) ? STATES[t.v.toUpperCase()] : undefined;
      if (!state)
        throw new RuleError(`expected ALARM, OK, INSUFFICIENT_DATA, TRUE, FALSE, NOT or '(' but found ${where(t)}`);
      pos++;
      if (peek().t !== 'open') throw new RuleError(`expected '(' after ${t.v} but found ${where(peek())}`);
      pos++;
      const name = peek();
      if ((name.t !== 'name' && name.t !== 'word') || name.v === '')
        throw new RuleError(`expected an alarm's name or ARN but found ${where(name)}`);
      pos++;
      if (peek().t !== 'close') throw new RuleError(`expected ')' but found ${where(peek())}`);
      pos++;
      return { k: 'state', state, alarm: name.v };
    } finally {
      depth--;
    }
  };
  if (peek().t === 'end') throw new RuleError('the rule is empty');
  const rule = or();
  if (peek().t !== 'end') throw new RuleError(`unexpected ${where(peek())}`);
  return rule;
}

/** The alarms a rule names (as written: names or ARNs). */
export function ruleAlarms(r: Rule, out = new Set<string>()): Set<string> {
  if (r.k === 'state') out.add(r.alarm);
  else if (r.k === 'not') ruleAlarms(r.e, out);
  else if (r.k === 'and' || r.k === 'or') {
    ruleAlarms(r.l, out);
    ruleAlarms(r.r, out);
  }
  return out;
}

/** Whether a rule holds, given each named alarm's state. */
export function ruleHolds(r: Rule, stateOf: (alarm: string) => AlarmState | undefined): boolean {
  switch (r.k) {
    case 'const':
      return r.v;
    case 'state':
      return stateOf(r.alarm) === r.state;
    case 'not':
      return !ruleHolds(r.e, stateOf);
    case 'and':
      return ruleHolds(r.l, stateOf) && ruleHolds(r.r, stateOf);
    case 'or':
      return ruleHolds(r.l, stateOf) || ruleHolds(r.r, stateOf);
  }
}
