import { notImplemented } from '../../kernel/index.js';
import { FUNCTIONS, UNSERVED } from './functions.js';
import type { BinaryOp, Node } from './parse.js';
import {
  joinSeries,
  kindOf,
  mapSeries,
  MathError,
  scalar,
  type MathContext,
  type Series,
  type Value,
} from './values.js';

const truth = (x: number) => (x !== 0 ? 1 : 0);
const OPS: Record<BinaryOp, (x: number, y: number) => number> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '^': (x, y) => x ** y,
  '==': (x, y) => (x === y ? 1 : 0),
  '!=': (x, y) => (x !== y ? 1 : 0),
  '<': (x, y) => (x < y ? 1 : 0),
  '<=': (x, y) => (x <= y ? 1 : 0),
  '>': (x, y) => (x > y ? 1 : 0),
  '>=': (x, y) => (x >= y ? 1 : 0),
  AND: (x, y) => truth(x) & truth(y),
  OR: (x, y) => truth(x) | truth(y),
};

/** A number operation lifted over scalars, series (joined on their timestamps) and arrays. */
export function combine(op: string, l: Value, r: Value, f: (x: number, y: number) => number): Value {
  if (l.t === 'scalar' && r.t === 'scalar') return scalar(f(l.v, r.v));
  if (l.t === 'array' && (r.t === 'scalar' || r.t === 'series'))
    return { t: 'array', a: l.a.map((s) => asSeries(combine(op, { t: 'series', s }, r, f))) };
  if (r.t === 'array' && (l.t === 'scalar' || l.t === 'series'))
    return { t: 'array', a: r.a.map((s) => asSeries(combine(op, l, { t: 'series', s }, f))) };
  if (l.t === 'series' && r.t === 'scalar') return { t: 'series', s: mapSeries(l.s, (x) => f(x, r.v)) };
  if (l.t === 'scalar' && r.t === 'series') {
    const s = mapSeries(r.s, (y) => f(l.v, y));
    return { t: 'series', s };
  }
  if (l.t === 'series' && r.t === 'series') return { t: 'series', s: joinSeries(l.s, r.s, f) };
  throw new MathError(`'${op}' cannot take ${kindOf(l)} and ${kindOf(r)}`);
}

const asSeries = (v: Value): Series => (v as { t: 'series'; s: Series }).s;

/** Evaluates a parsed expression. */
export function evaluate(n: Node, ctx: MathContext): Value {
  switch (n.k) {
    case 'num':
      return scalar(n.v);
    case 'str':
      return { t: 'string', v: n.v };
    case 'word':
      return { t: 'word', name: n.name };
    case 'ref':
      return ctx.ref(n.name);
    case 'array': {
      const a: Series[] = [];
      for (const item of n.items) {
        const v = evaluate(item, ctx);
        if (v.t === 'series') a.push(v.s);
        else if (v.t === 'array') a.push(...v.a);
        else throw new MathError(`an array holds time series, not ${kindOf(v)}`);
      }
      return { t: 'array', a };
    }
    case 'neg':
      return combine('-', scalar(0), evaluate(n.e, ctx), OPS['-']);
    case 'not':
      return combine('NOT', evaluate(n.e, ctx), scalar(0), (x) => (x === 0 ? 1 : 0));
    case 'bin':
      return combine(n.op, evaluate(n.l, ctx), evaluate(n.r, ctx), OPS[n.op]);
    case 'call': {
      if (UNSERVED.has(n.name)) throw notImplemented(`the metric math function ${n.name}`);
      const f = Object.hasOwn(FUNCTIONS, n.name) ? FUNCTIONS[n.name] : undefined;
      if (!f) throw new MathError(`unknown function ${n.name}`);
      return f(
        n.args.map((a) => evaluate(a, ctx)),
        ctx,
      );
    }
  }
}
