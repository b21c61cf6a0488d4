/**
 * CloudWatch metric math: the expression language of GetMetricData and metric-math alarms,
 * parsed by hand in one left-to-right pass (no backtracking: an expression is a request's
 * input, at most 2,048 characters, and may be crafted).
 */

export type Node =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  /** A query Id (`m1`, `errors`). */
  | { k: 'ref'; name: string }
  /** A bare upper-case word a function takes as an argument (`REPEAT`, `LINEAR`). */
  | { k: 'word'; name: string }
  | { k: 'call'; name: string; args: Node[] }
  | { k: 'array'; items: Node[] }
  | { k: 'neg'; e: Node }
  | { k: 'not'; e: Node }
  | { k: 'bin'; op: BinaryOp; l: Node; r: Node };

export type BinaryOp = '+' | '-' | '*' | '/' | '^' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR';

/** A syntax error, with where it was found (0-based offset) for the message. */
export class MathSyntaxError extends Error {}

type Token =
  | { t: 'num'; v: number; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'name'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; at: number };

export const MAX_EXPRESSION_LENGTH = 2048;
// Deep enough for any real expression; a bound so that nesting cannot exhaust the stack.
const MAX_DEPTH = 64;

const isDigit = (c: string) => c >= '0' && c <= '9';
const isNameStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isName = (c: string) => isNameStart(c) || isDigit(c);
const TWO_CHAR = new Set(['==', '!=', '<=', '>=', '&&', '||']);
const ONE_CHAR = new Set(['+', '-', '*', '/', '^', '<', '>', '!', '(', ')', '[', ']', ',']);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      const at = i;
      while (isDigit(src[i] ?? '')) i++;
      if (src[i] === '.') for (i++; isDigit(src[i] ?? '');) i++;
      if (
        (src[i] === 'e' || src[i] === 'E') &&
        (isDigit(src[i + 1] ?? '') || /^[+-]\d/.test(src.slice(i + 1, i + 3)))
      ) {
        i += 2;
        while (isDigit(src[i] ?? '')) i++;
      }
      out.push({ t: 'num', v: Number(src.slice(at, i)), at });
    } else if (isNameStart(c)) {
      const at = i;
      while (isName(src[i] ?? '')) i++;
      out.push({ t: 'name', v: src.slice(at, i), at });
    } else if (c === '"' || c === "'") {
      const at = i;
      const close = src.indexOf(c, i + 1);
      if (close < 0) throw new MathSyntaxError(`unterminated string at position ${at + 1}`);
      out.push({ t: 'str', v: src.slice(i + 1, close), at });
      i = close + 1;
    } else if (TWO_CHAR.has(src.slice(i, i + 2))) {
      out.push({ t: 'op', v: src.slice(i, i + 2), at: i });
      i += 2;
    } else if (ONE_CHAR.has(c)) {
      out.push({ t: 'op', v: c, at: i });
      i++;
    } else {
      throw new MathSyntaxError(`unexpected character '${c}' at position ${i + 1}`);
    }
  }
  out.push({ t: 'end', at: src.length });
  return out;
}

const COMPARE: readonly string[] = ['==', '!=', '<', '<=', '>', '>='];

/** Parses an expression; throws MathSyntaxError saying what is wrong and where. */
export function parseExpression(src: string): Node {
  if (src.length > MAX_EXPRESSION_LENGTH)
    throw new MathSyntaxError(`the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const tokens = tokenize(src);
  let pos = 0;
  let depth = 0;
  const peek = () => tokens[pos] as Token;
  const isOp = (v: string) => {
    const t = peek();
    return t.t === 'op' && t.v === v;
  };
  const isWord = (v: string) => {
    const t = peek();
    return t.t === 'name' && t.v.toUpperCase() === v;
  };
  const describe = (t: Token) =>
    t.t === 'end'
      ? 'the end of the expression'
      : `'${t.t === 'str' ? `"${t.v}"` : String(t.v)}' at position ${t.at + 1}`;
  const expect = (v: string) => {
    if (!isOp(v)) throw new MathSyntaxError(`expected '${v}' but found ${describe(peek())}`);
    pos++;
  };
  const nested = <T>(f: () => T): T => {
    if (++depth > MAX_DEPTH) throw new MathSyntaxError(`the expression is nested deeper than ${MAX_DEPTH} levels`);
    try {
      return f();
    } finally {
      depth--;
    }
  };

  const or = (): Node => {
    let l = and();
    while (isOp('||') || isWord('OR')) {
      pos++;
      l = { k: 'bin', op: 'OR', l, r: and() };
    }
    return l;
  };
  const and = (): Node => {
    let l = not();
    while (isOp('&&') || isWord('AND')) {
      pos++;
      l = { k: 'bin', op: 'AND', l, r: not() };
    }
    return l;
  };
  const not = (): Node => {
    if (isOp('!') || isWord('NOT')) {
      pos++;
      return nested(() => ({ k: 'not', e: not() }));
    }
    return comparison();
  };
  /** One level of left-associative binary operators over the next level (`a - b - c` is `(a - b) - c`). */
  const leftAssoc = (ops: readonly string[], next: () => Node) => (): Node => {
    let l = next();
    for (let t = peek(); t.t === 'op' && ops.includes(t.v); t = peek()) {
      pos++;
      l = { k: 'bin', op: t.v as BinaryOp, l, r: next() };
    }
    return l;
  };
  // Thunks: `unary` is defined below.
  const multiplicative = leftAssoc(['*', '/'], () => unary());
  const additive = leftAssoc(['+', '-'], multiplicative);
  const comparison = leftAssoc(COMPARE, additive);
  const unary = (): Node => {
    if (isOp('-') || isOp('+')) {
      const minus = isOp('-');
      pos++;
      const e = nested(unary);
      return minus ? { k: 'neg', e } : e;
    }
    const base = primary();
    // `^` binds tighter than a sign and to the right: -2^2 is -(2^2), 2^3^2 is 2^(3^2).
    if (isOp('^')) {
      pos++;
      return { k: 'bin', op: '^', l: base, r: nested(unary) };
    }
    return base;
  };
  const list = (close: string): Node[] => {
    const items: Node[] = [];
    if (isOp(close)) {
      pos++;
      return items;
    }
    for (;;) {
      items.push(nested(or));
      if (isOp(',')) {
        pos++;
        continue;
      }
      expect(close);
      return items;
    }
  };
  const primary = (): Node => {
    const t = peek();
    if (t.t === 'num') {
      pos++;
      return { k: 'num', v: t.v };
    }
    if (t.t === 'str') {
      pos++;
      return { k: 'str', v: t.v };
    }
    if (t.t === 'name') {
      pos++;
      if (isOp('(')) {
        pos++;
        return { k: 'call', name: t.v.toUpperCase(), args: list(')') };
      }
      // Query Ids start with a lower-case letter; anything else bare is a word for a function.
      return t.v[0] !== undefined && t.v[0] >= 'a' && t.v[0] <= 'z'
        ? { k: 'ref', name: t.v }
        : { k: 'word', name: t.v };
    }
    if (isOp('(')) {
      pos++;
      const e = nested(or);
      expect(')');
      return e;
    }
    if (isOp('[')) {
      pos++;
      return { k: 'array', items: list(']') };
    }
    throw new MathSyntaxError(`unexpected ${describe(t)}`);
  };

  if (peek().t === 'end') throw new MathSyntaxError('the expression is empty');
  const root = or();
  if (peek().t !== 'end') throw new MathSyntaxError(`unexpected ${describe(peek())}`);
  return root;
}

/** Every query Id an expression refers to (METRICS() aside). */
export function references(n: Node, out = new Set<string>()): Set<string> {
  switch (n.k) {
    case 'ref':
      out.add(n.name);
      break;
    case 'call':
    case 'array':
      for (const a of n.k === 'call' ? n.args : n.items) references(a, out);
      break;
    case 'neg':
    case 'not':
      references(n.e, out);
      break;
    case 'bin':
      references(n.l, out);
      references(n.r, out);
      break;
  }
  return out;
}
