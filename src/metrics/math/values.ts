/** What metric math computes with: scalars, time series and arrays of time series. */

/** A time series: ascending timestamps (ms) with a finite value each, at a period (s). */
export interface Series {
  label: string;
  at: number[];
  v: number[];
  period: number;
}

export type Value =
  | { t: 'scalar'; v: number }
  | { t: 'series'; s: Series }
  | { t: 'array'; a: Series[] }
  | { t: 'string'; v: string }
  | { t: 'word'; name: string };

/** What an expression can see: the other queries' results, by Id, and the request's window. */
export interface MathContext {
  /** A query's result by its Id; throws MathError when there is none. */
  ref(id: string): Value;
  /** The request's metric queries (not expressions), in order, whose Id contains `filter`. */
  metrics(filter?: string): Series[];
  /** The window, StartTime rounded as the metric queries round it (ms), and EndTime. */
  start: number;
  end: number;
  /** The period (s) of a series made from nothing but numbers (TIME_SERIES, a scalar result). */
  period: number;
}

/** An error in what an expression asks for (a wrong argument, a cycle): the caller names the query. */
export class MathError extends Error {}

export const scalar = (v: number): Value => ({ t: 'scalar', v });
export const series = (s: Series): Value => ({ t: 'series', s });

/** A series from pairs, dropping what is not a finite number (x/0, log of a negative). */
export function seriesOf(label: string, period: number, at: readonly number[], v: readonly number[]): Series {
  const s: Series = { label, at: [], v: [], period };
  for (let i = 0; i < at.length; i++) {
    const x = v[i] as number;
    if (Number.isFinite(x)) {
      s.at.push(at[i] as number);
      s.v.push(x);
    }
  }
  return s;
}

/** A series' values, one for each timestamp it has, transformed. */
export const mapSeries = (s: Series, f: (x: number, i: number) => number): Series =>
  seriesOf(s.label, s.period, s.at, s.v.map(f));

/** Two series joined on the timestamps both have (a timestamp one of them lacks has no result). */
export function joinSeries(a: Series, b: Series, f: (x: number, y: number) => number): Series {
  const at: number[] = [];
  const v: number[] = [];
  for (let i = 0, j = 0; i < a.at.length && j < b.at.length;) {
    const x = a.at[i] as number;
    const y = b.at[j] as number;
    if (x < y) i++;
    else if (y < x) j++;
    else {
      at.push(x);
      v.push(f(a.v[i] as number, b.v[j] as number));
      i++;
      j++;
    }
  }
  return seriesOf(a.label, Math.min(a.period, b.period), at, v);
}

/** GetMetricData's limit on the datapoints one call may return. */
export const MAX_DATAPOINTS = 100_800;

/**
 * The period grid of a query: every period's start from `start` (inclusive) to `end` (exclusive).
 * Bounded: FILL of a 1-second series over two weeks would otherwise make a million points.
 */
export function grid(start: number, end: number, period: number): number[] {
  if ((end - start) / (period * 1000) > MAX_DATAPOINTS)
    throw new MathError(
      `filling ${period}-second periods from StartTime to EndTime would make more than ${MAX_DATAPOINTS} datapoints`,
    );
  const out: number[] = [];
  for (let t = start; t < end; t += period * 1000) out.push(t);
  return out;
}

/**
 * Values of several series per timestamp (the union of theirs), reduced: the array functions
 * (SUM, AVG, MAX… of an array) produce one series from many.
 */
export function acrossSeries(items: readonly Series[], label: string, f: (xs: number[]) => number): Series {
  const at = new Map<number, number[]>();
  for (const s of items)
    s.at.forEach((t, i) => {
      const xs = at.get(t);
      if (xs) xs.push(s.v[i] as number);
      else at.set(t, [s.v[i] as number]);
    });
  const times = [...at.keys()].sort((x, y) => x - y);
  const period = items.reduce((p, s) => Math.min(p, s.period), Infinity);
  return seriesOf(
    label,
    Number.isFinite(period) ? period : 60,
    times,
    times.map((t) => f(at.get(t) as number[])),
  );
}

export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
export const avg = (xs: readonly number[]) => (xs.length ? sum(xs) / xs.length : NaN);
export const min = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => (b < a ? b : a)) : NaN);
export const max = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => (b > a ? b : a)) : NaN);
/** The population standard deviation. */
export function stddev(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const m = avg(xs);
  return Math.sqrt(avg(xs.map((x) => (x - m) ** 2)));
}

export function kindOf(v: Value): string {
  return v.t === 'scalar'
    ? 'a number'
    : v.t === 'series'
      ? 'a time series'
      : v.t === 'array'
        ? 'an array of time series'
        : v.t === 'string'
          ? 'a string'
          : `the word ${v.name}`;
}
