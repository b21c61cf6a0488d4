import {
  acrossSeries,
  avg,
  grid,
  kindOf,
  mapSeries,
  MathError,
  max,
  min,
  scalar,
  seriesOf,
  stddev,
  sum,
  type MathContext,
  type Series,
  type Value,
} from './values.js';

type Fn = (args: Value[], ctx: MathContext) => Value;

const arity = (name: string, args: Value[], least: number, most = least) => {
  if (args.length < least || args.length > most)
    throw new MathError(
      `${name} takes ${least === most ? least : `${least} to ${most}`} argument${most === 1 ? '' : 's'}, not ${args.length}`,
    );
};
const wrong = (name: string, v: Value, want: string) => new MathError(`${name} takes ${want}, not ${kindOf(v)}`);

/** A function of each value (and its timestamp), over a number, a series or each series of an array. */
const each =
  (name: string, f: (x: number, at: number) => number, scalars = true): Fn =>
  (args) => {
    arity(name, args, 1);
    const v = args[0] as Value;
    if (v.t === 'scalar' && scalars) return scalar(f(v.v, 0));
    if (v.t === 'series') return { t: 'series', s: mapSeries(v.s, (x, i) => f(x, v.s.at[i] as number)) };
    if (v.t === 'array') return { t: 'array', a: v.a.map((s) => mapSeries(s, (x, i) => f(x, s.at[i] as number))) };
    throw wrong(name, v, scalars ? 'a number or time series' : 'a time series');
  };

/** SUM, AVG…: a series' values to one number; an array's series, timestamp by timestamp, to one series. */
const reduce =
  (name: string, f: (xs: number[]) => number): Fn =>
  (args) => {
    const v = args.length === 1 ? (args[0] as Value) : undefined;
    if (v?.t === 'series') return scalar(f(v.s.v));
    if (v?.t === 'array') return { t: 'series', s: acrossSeries(v.a, '', f) };
    if (v?.t === 'scalar') return v;
    if (!v) throw new MathError(`${name} takes 1 argument, not ${args.length}`);
    throw wrong(name, v, 'a time series or an array of them');
  };

/** A function from one series to another, over a series or each series of an array. */
const perSeries =
  (name: string, f: (s: Series) => Series): Fn =>
  (args) => {
    arity(name, args, 1);
    const v = args[0] as Value;
    if (v.t === 'series') return { t: 'series', s: f(v.s) };
    if (v.t === 'array') return { t: 'array', a: v.a.map(f) };
    throw wrong(name, v, 'a time series');
  };

/** From each value to the next: the first value has no predecessor, so no result. */
const stepwise = (name: string, f: (s: Series, i: number) => number) =>
  perSeries(name, (s) =>
    seriesOf(
      s.label,
      s.period,
      s.at.slice(1),
      s.at.slice(1).map((_, i) => f(s, i + 1)),
    ),
  );

const asArray = (name: string, v: Value | undefined): Series[] => {
  if (v?.t === 'array') return v.a;
  throw new MathError(`${name} takes an array of time series${v ? `, not ${kindOf(v)}` : ''}`);
};

/** FILL's filling of one series over its period grid. */
function fill(s: Series, how: Value, ctx: MathContext): Series {
  const times = grid(ctx.start, ctx.end, s.period);
  const have = new Map(s.at.map((t, i) => [t, s.v[i] as number]));
  const v = times.map((t) => have.get(t) ?? NaN);
  if (how.t === 'scalar')
    return seriesOf(
      s.label,
      s.period,
      times,
      v.map((x) => (Number.isNaN(x) ? how.v : x)),
    );
  if (how.t === 'series') {
    const other = new Map(how.s.at.map((t, i) => [t, how.s.v[i] as number]));
    return seriesOf(
      s.label,
      s.period,
      times,
      v.map((x, i) => (Number.isNaN(x) ? (other.get(times[i] as number) ?? NaN) : x)),
    );
  }
  if (how.t === 'word' && how.name.toUpperCase() === 'REPEAT') {
    let last = NaN;
    return seriesOf(
      s.label,
      s.period,
      times,
      v.map((x) => (Number.isNaN(x) ? last : (last = x))),
    );
  }
  if (how.t === 'word' && how.name.toUpperCase() === 'LINEAR') {
    // Between two known values, on the line through them; before the first and after the last, nothing.
    const out = [...v];
    let prev = -1;
    v.forEach((x, i) => {
      if (Number.isNaN(x)) return;
      if (prev >= 0)
        for (let k = prev + 1; k < i; k++)
          out[k] = (v[prev] as number) + ((x - (v[prev] as number)) * (k - prev)) / (i - prev);
      prev = i;
    });
    return seriesOf(s.label, s.period, times, out);
  }
  throw wrong('FILL', how, 'a number, a time series, REPEAT or LINEAR as its second argument');
}

const date = (at: number) => new Date(at);

export const FUNCTIONS: Record<string, Fn> = {
  ABS: each('ABS', Math.abs),
  CEIL: each('CEIL', Math.ceil),
  FLOOR: each('FLOOR', Math.floor),
  LOG: each('LOG', Math.log),
  LOG10: each('LOG10', Math.log10),
  SUM: reduce('SUM', sum),
  AVG: reduce('AVG', avg),
  MIN: reduce('MIN', min),
  MAX: reduce('MAX', max),
  STDDEV: reduce('STDDEV', stddev),
  DATAPOINT_COUNT: reduce('DATAPOINT_COUNT', (xs) => xs.length),
  RATE: stepwise(
    'RATE',
    (s, i) => ((s.v[i] as number) - (s.v[i - 1] as number)) / (((s.at[i] as number) - (s.at[i - 1] as number)) / 1000),
  ),
  DIFF: stepwise('DIFF', (s, i) => (s.v[i] as number) - (s.v[i - 1] as number)),
  DIFF_TIME: stepwise('DIFF_TIME', (s, i) => ((s.at[i] as number) - (s.at[i - 1] as number)) / 1000),
  RUNNING_SUM: perSeries('RUNNING_SUM', (s) => {
    let total = 0;
    return mapSeries(s, (x) => (total += x));
  }),
  MINUTE: each('MINUTE', (_, at) => date(at).getUTCMinutes(), false),
  HOUR: each('HOUR', (_, at) => date(at).getUTCHours(), false),
  // Monday is 1 and Sunday 7.
  DAY: each('DAY', (_, at) => date(at).getUTCDay() || 7, false),
  DATE: each('DATE', (_, at) => date(at).getUTCDate(), false),
  MONTH: each('MONTH', (_, at) => date(at).getUTCMonth() + 1, false),
  YEAR: each('YEAR', (_, at) => date(at).getUTCFullYear(), false),
  EPOCH: each('EPOCH', (_, at) => Math.floor(at / 1000), false),
  PERIOD: (args) => {
    arity('PERIOD', args, 1);
    const v = args[0] as Value;
    if (v.t !== 'series') throw wrong('PERIOD', v, 'a time series');
    return scalar(v.s.period);
  },
  TIME_SERIES: (args, ctx) => {
    arity('TIME_SERIES', args, 1);
    const v = args[0] as Value;
    if (v.t !== 'scalar') throw wrong('TIME_SERIES', v, 'a number');
    const times = grid(ctx.start, ctx.end, ctx.period);
    return {
      t: 'series',
      s: seriesOf(
        '',
        ctx.period,
        times,
        times.map(() => v.v),
      ),
    };
  },
  METRICS: (args, ctx) => {
    arity('METRICS', args, 0, 1);
    const f = args[0];
    if (f && f.t !== 'string') throw wrong('METRICS', f, 'a string');
    return { t: 'array', a: ctx.metrics(f?.v) };
  },
  FIRST: (args) => {
    arity('FIRST', args, 1);
    const a = asArray('FIRST', args[0]);
    if (!a[0]) throw new MathError('FIRST of an empty array');
    return { t: 'series', s: a[0] };
  },
  LAST: (args) => {
    arity('LAST', args, 1);
    const a = asArray('LAST', args[0]);
    const s = a[a.length - 1];
    if (!s) throw new MathError('LAST of an empty array');
    return { t: 'series', s };
  },
  REMOVE_EMPTY: (args) => {
    arity('REMOVE_EMPTY', args, 1);
    return { t: 'array', a: asArray('REMOVE_EMPTY', args[0]).filter((s) => s.at.length > 0) };
  },
  FILL: (args, ctx) => {
    arity('FILL', args, 2);
    const [v, how] = args as [Value, Value];
    if (v.t === 'series') return { t: 'series', s: fill(v.s, how, ctx) };
    if (v.t === 'array') return { t: 'array', a: v.a.map((s) => fill(s, how, ctx)) };
    throw wrong('FILL', v, 'a time series or an array of them');
  },
  IF: (args, ctx) => {
    arity('IF', args, 2, 3);
    const [cond, yes, no] = args as [Value, Value, Value | undefined];
    for (const b of [yes, no])
      if (b && b.t !== 'scalar' && b.t !== 'series') throw wrong('IF', b, 'numbers or time series to choose from');
    const pick = (s: Series): Series => {
      const at: number[] = [];
      const v: number[] = [];
      s.at.forEach((t, i) => {
        const chosen = (s.v[i] as number) !== 0 ? yes : no;
        const x = chosen === undefined ? undefined : chosen.t === 'scalar' ? chosen.v : valueAt(chosen, t);
        if (x === undefined) return;
        at.push(t);
        v.push(x);
      });
      return seriesOf(s.label, s.period, at, v);
    };
    if (cond.t === 'scalar') return cond.v !== 0 ? yes : (no ?? { t: 'series', s: seriesOf('', ctx.period, [], []) });
    if (cond.t === 'series') return { t: 'series', s: pick(cond.s) };
    if (cond.t === 'array') return { t: 'array', a: cond.a.map(pick) };
    throw wrong('IF', cond, 'a condition that is a number or a time series');
  },
};

function valueAt(v: Value, t: number): number | undefined {
  if (v.t !== 'series') return undefined;
  // Series are short (a request returns at most 100,800 datapoints); a binary search keeps IF linear-log.
  let lo = 0;
  let hi = v.s.at.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = v.s.at[mid] as number;
    if (x === t) return v.s.v[mid];
    if (x < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** CloudWatch's functions that berth does not compute: asked for, they say so. */
export const UNSERVED = new Set([
  'ANOMALY_DETECTION_BAND',
  'CONCAT',
  'INSIGHT_RULE_METRIC',
  'LAMBDA',
  'SEARCH',
  'SERVICE_QUOTA',
  'SLICE',
  'SORT',
]);
