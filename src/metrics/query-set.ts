import { invalidParameter, isBerthError, notImplemented } from '../kernel/index.js';
import type { MetricsDeps } from './deps.js';
import { evaluate } from './math/evaluate.js';
import { MathSyntaxError, parseExpression, type Node } from './math/parse.js';
import { grid, MathError, MAX_DATAPOINTS, seriesOf, type Series, type Value } from './math/values.js';
import { buckets, checkPeriod, statistic } from './statistics.js';
import type { Dimension } from './tables.js';

export interface MetricDataQuery {
  Id: string;
  MetricStat?: {
    Metric: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] };
    Period: number;
    Stat: string;
    Unit?: string;
  };
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
}

/** One returned query's result: one series, or several for an expression that gives an array. */
export interface QueryResult {
  query: MetricDataQuery;
  series: Series[];
  /** Whether the expression gave an array (of any length) rather than one series. */
  array?: true;
}

/** Checks a request's queries (Ids, one of MetricStat and Expression, periods) and parses its expressions. */
export function checkQueries(queries: readonly MetricDataQuery[], member: string): Map<string, Node> {
  const ids = new Set<string>();
  const parsed = new Map<string, Node>();
  for (const [i, q] of queries.entries()) {
    const field = `${member}.${i + 1}`;
    if (!/^[a-z][a-zA-Z0-9_]{0,254}$/.test(q.Id))
      throw invalidParameter(
        `The value ${q.Id} for parameter ${field}.Id is invalid: it must start with a lowercase letter.`,
        { field: `${field}.Id` },
      );
    if (ids.has(q.Id))
      throw invalidParameter(`The value ${q.Id} for parameter ${field}.Id is not unique.`, { field: `${field}.Id` });
    ids.add(q.Id);
    if ((q.MetricStat === undefined) === (q.Expression === undefined))
      throw invalidParameter(`Exactly one of ${field}.MetricStat and ${field}.Expression must be given.`, {
        field,
        reason: 'parameter-combination',
      });
    if (q.MetricStat) checkPeriod(q.MetricStat.Period, `${field}.MetricStat.Period`);
    if (q.Expression === undefined) continue;
    if (q.Period !== undefined) checkPeriod(q.Period, `${field}.Period`);
    if (/^\s*SELECT\b/i.test(q.Expression)) throw notImplemented(`Metrics Insights queries (${field}.Expression)`);
    try {
      parsed.set(q.Id, parseExpression(q.Expression));
    } catch (e) {
      if (!(e instanceof MathSyntaxError)) throw e;
      throw invalidParameter(`Error in expression ${q.Id}: ${e.message}.`, { field: `${field}.Expression` });
    }
  }
  return parsed;
}

/**
 * Runs a request's queries, metric and math, each at most once and only as far as the returned
 * ones need: an expression sees the other queries' results by Id, whether they are returned or
 * not. A scalar result becomes a series over the query's periods.
 */
export function runQueries(
  deps: MetricsDeps,
  queries: readonly MetricDataQuery[],
  start: Date,
  end: Date,
  member = 'MetricDataQueries.member',
): QueryResult[] {
  const parsed = checkQueries(queries, member);
  if (end.getTime() <= start.getTime())
    throw invalidParameter('The parameter StartTime must be less than the parameter EndTime.', { field: 'StartTime' });
  const byId = new Map(queries.map((q, i) => [q.Id, { q, i }]));
  const done = new Map<string, Value>();
  const running = new Set<string>();
  const statPeriods = queries.flatMap((q) => (q.MetricStat ? [q.MetricStat.Period] : []));
  const basePeriod = statPeriods.length ? Math.min(...statPeriods) : 60;
  // Periods count from StartTime rounded down to its minute (its second below a minute), as the metric queries round it.
  const roundedStart = (period: number) => {
    const step = period < 60 ? 1000 : 60_000;
    return Math.floor(start.getTime() / step) * step;
  };
  const periodOf = (q: MetricDataQuery) => q.MetricStat?.Period ?? q.Period ?? basePeriod;

  const metricSeries = (q: MetricDataQuery): Series => {
    const ms = q.MetricStat as NonNullable<MetricDataQuery['MetricStat']>;
    const rows = buckets(deps, {
      namespace: ms.Metric.Namespace ?? '',
      metricName: ms.Metric.MetricName ?? '',
      dimensions: ms.Metric.Dimensions ?? [],
      start,
      end,
      period: ms.Period,
      ...(ms.Unit ? { unit: ms.Unit } : {}),
    });
    const at = rows.map((b) => b.at);
    const v = rows.map((b) => statistic(b, ms.Stat) ?? NaN);
    return seriesOf(q.Label ?? ms.Metric.MetricName ?? q.Id, ms.Period, at, v);
  };

  const valueOf = (id: string): Value => {
    const known = done.get(id);
    if (known) return known;
    const entry = byId.get(id);
    if (!entry) throw new MathError(`there is no query with the Id ${id}`);
    if (running.has(id)) throw new MathError(`the queries refer to each other in a circle through ${id}`);
    const { q, i } = entry;
    let v: Value;
    if (q.MetricStat) v = { t: 'series', s: metricSeries(q) };
    else {
      const period = periodOf(q);
      const from = roundedStart(period);
      if ((end.getTime() - from) / (period * 1000) > MAX_DATAPOINTS)
        throw invalidParameter(
          `The expression ${q.Id} would return more than ${MAX_DATAPOINTS} datapoints: use a longer Period.`,
          { field: `${member}.${i + 1}.Period` },
        );
      running.add(id);
      try {
        v = evaluate(parsed.get(id) as Node, {
          ref: valueOf,
          metrics: (filter) =>
            queries
              .filter((m) => m.MetricStat && (filter === undefined || m.Id.includes(filter)))
              .map((m) => (valueOf(m.Id) as { t: 'series'; s: Series }).s),
          start: from,
          end: end.getTime(),
          period,
        });
      } catch (e) {
        if (e instanceof MathError)
          throw invalidParameter(`Error in expression ${q.Id}: ${e.message}.`, {
            field: `${member}.${i + 1}.Expression`,
          });
        if (e instanceof RangeError && !isBerthError(e))
          throw invalidParameter(`Error in expression ${q.Id}: it is too deeply nested.`, {
            field: `${member}.${i + 1}.Expression`,
          });
        throw e;
      } finally {
        running.delete(id);
      }
    }
    done.set(id, v);
    return v;
  };

  return queries
    .filter((q) => q.ReturnData !== false)
    .map((q) => {
      const v = valueOf(q.Id);
      const label = q.Label ?? q.Id;
      if (v.t === 'series') return { query: q, series: [q.Expression ? { ...v.s, label } : v.s] };
      if (v.t === 'array')
        return {
          query: q,
          series: v.a.map((s) => ({ ...s, label: q.Label ? `${q.Label} ${s.label}` : s.label })),
          array: true,
        };
      if (v.t === 'scalar') {
        const period = periodOf(q);
        const times = grid(roundedStart(period), end.getTime(), period);
        return {
          query: q,
          series: [
            seriesOf(
              label,
              period,
              times,
              times.map(() => v.v),
            ),
          ],
        };
      }
      const i = queries.indexOf(q);
      throw invalidParameter(
        `Error in expression ${q.Id}: it gives ${v.t === 'string' ? 'a string' : 'a word'}, not data.`,
        {
          field: `${member}.${i + 1}.Expression`,
        },
      );
    });
}
