import { invalidParameter } from '../../kernel/index.js';
import type { Expr, Operator } from './ast.js';

const OPERATORS: Record<string, Operator> = {
  '==': '==',
  equals: '==',
  '!=': '!=',
  not_equals: '!=',
  '>': '>',
  greater_than: '>',
  '>=': '>=',
  greater_than_equal: '>=',
  '<': '<',
  less_than: '<',
  '<=': '<=',
  less_than_equal: '<=',
  exists: 'exists',
  '!exists': '!exists',
  not_exists: '!exists',
  in: 'in',
  '!in': '!in',
  not_in: '!in',
  '=~': '=~',
  matches: '=~',
  '!~': '!~',
  not_matches: '!~',
};

type Token = { t: 'word' | 'op' | '(' | ')' | '[' | ']' | ','; v: string };

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if ('()[],'.includes(c)) {
      out.push({ t: c as Token['t'], v: c });
      i++;
    } else if (/[=!<>&|~]/.test(c)) {
      const m = /^(==|!=|>=|<=|=~|!~|!exists|!in|&&|\|\||>|<|!)/.exec(src.slice(i));
      if (!m) throw bad(src, `unexpected '${c}' at position ${i}`);
      out.push({ t: 'op', v: m[1] as string });
      i += (m[1] as string).length;
    } else if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw bad(src, 'unterminated quote');
      out.push({ t: 'word', v: src.slice(i + 1, end) });
      i = end + 1;
    } else {
      const m = /^[^\s()[\],=!<>&|~]+/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

const bad = (src: string, why: string) =>
  invalidParameter(`Invalid cluster query expression '${src}': ${why}`, { field: 'expression' });

/** Parses an expression of ECS's cluster query language (`attribute:ecs.availability-zone in [a, b]`). */
export function parseQuery(src: string): Expr {
  const tokens = lex(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (v: string) => peek()?.t === 'word' && peek()?.v.toLowerCase() === v;
  const take = () => {
    const tok = tokens[pos++];
    if (!tok) throw bad(src, 'unexpected end of expression');
    return tok;
  };

  const orExpr = (): Expr => {
    let left = andExpr();
    while (isWord('or') || peek()?.v === '||') {
      take();
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): Expr => {
    let left = unary();
    while (isWord('and') || peek()?.v === '&&') {
      take();
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): Expr => {
    if (isWord('not') || peek()?.v === '!') {
      take();
      return { kind: 'not', expr: unary() };
    }
    if (peek()?.t === '(') {
      take();
      const e = orExpr();
      if (take().t !== ')') throw bad(src, "expected ')'");
      return e;
    }
    return comparison();
  };
  const list = (): string[] => {
    const open = take();
    const close = open.t === '[' ? ']' : ')';
    const values: string[] = [];
    while (peek()?.t !== close) {
      const w = take();
      if (w.t !== 'word') throw bad(src, `expected a value in the list, found '${w.v}'`);
      values.push(w.v);
      if (peek()?.t === ',') take();
    }
    take();
    return values;
  };
  const comparison = (): Expr => {
    const subject = take();
    if (subject.t !== 'word') throw bad(src, `expected a subject, found '${subject.v}'`);
    const opTok = take();
    const name = opTok.v.toLowerCase();
    const op = Object.hasOwn(OPERATORS, name) ? OPERATORS[name] : undefined;
    if (!op) throw bad(src, `unknown operator '${opTok.v}'`);
    if (op === 'exists' || op === '!exists') return { kind: 'compare', subject: subject.v, op, values: [] };
    if (op === 'in' || op === '!in') {
      if (peek()?.t !== '[' && peek()?.t !== '(') throw bad(src, `'${opTok.v}' takes a list like [a, b]`);
      return { kind: 'compare', subject: subject.v, op, values: list() };
    }
    const value = take();
    if (value.t !== 'word') throw bad(src, `expected a value after '${opTok.v}'`);
    return { kind: 'compare', subject: subject.v, op, values: [value.v] };
  };

  if (tokens.length === 0) throw bad(src, 'the expression is empty');
  const e = orExpr();
  if (pos !== tokens.length) throw bad(src, `unexpected '${tokens[pos]?.v}'`);
  return e;
}
