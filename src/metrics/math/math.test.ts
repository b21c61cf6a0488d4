import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../kernel/clock.js';
import { isBerthError } from '../../kernel/index.js';
import { MemoryStore } from '../../store/memory-store.js';
import { localShared } from '../../store/shared-local.js';
import { metricData, putMetricData, type MetricDataQuery, type MetricsDeps } from '../index.js';
import { MathSyntaxError, parseExpression } from './parse.js';

const T0 = Date.UTC(2026, 11, 2, 12, 0);
const MIN = 60_000;
const world = async () => {
  const d: MetricsDeps = {
    store: localShared(new MemoryStore()),
    clock: new ManualClock(T0 + 10 * MIN),
    accountId: '000000000000',
    region: 'us-east-1',
  };
  const put = (name: string, values: Record<number, number>) =>
    putMetricData(
      d,
      'Shop',
      Object.entries(values).map(([m, v]) => ({
        MetricName: name,
        Timestamp: new Date(T0 + Number(m) * MIN),
        Value: v,
      })),
    );
  await put('Requests', { 0: 10, 1: 20, 2: 30, 3: 40, 4: 50 });
  await put('Errors', { 0: 1, 1: 2, 3: 4 });
  return d;
};
const stat = (id: string, name: string, extra: Partial<MetricDataQuery> = {}): MetricDataQuery => ({
  Id: id,
  MetricStat: { Metric: { Namespace: 'Shop', MetricName: name }, Period: 60, Stat: 'Sum' },
  ReturnData: false,
  ...extra,
});
const base = [stat('requests', 'Requests'), stat('errors', 'Errors')];

/** Each returned result as `label: minute=value …`, oldest first. */
function run(d: MetricsDeps, ...expressions: (string | MetricDataQuery)[]): string[] {
  const queries = [
    ...base,
    ...expressions.map((e, i) => (typeof e === 'string' ? { Id: `e${i + 1}`, Expression: e } : e)),
  ];
  return metricData(d, queries, new Date(T0), new Date(T0 + 5 * MIN), 'TimestampAscending').map(
    (r) =>
      `${r.Id} ${r.Label}: ${r.Timestamps.map((t, i) => `${(t.getTime() - T0) / MIN}=${Number((r.Values[i] as number).toFixed(4))}`).join(' ')}`,
  );
}
const reasonOf = async (f: () => unknown) => {
  try {
    await f();
  } catch (e) {
    return isBerthError(e) ? `${e.kind}:${e.detail.field ?? ''}:${e.message}` : String(e);
  }
  return 'no error';
};

describe('metric math', () => {
  it('joins series on their timestamps and lifts numbers over them', async () => {
    const d = await world();
    assert.deepEqual(run(d, 'errors / requests * 100', 'requests - AVG(requests)', '-2^2 + 2^3^2 + (1 + 2) * 3'), [
      'e1 e1: 0=10 1=10 3=10',
      'e2 e2: 0=-20 1=-10 2=0 3=10 4=20',
      // A number as a result is a series over the query's periods.
      'e3 e3: 0=517 1=517 2=517 3=517 4=517',
    ]);
    // x / 0 has no value.
    assert.deepEqual(run(d, 'requests / (errors - errors)'), ['e1 e1: ']);
  });

  it('serves the array functions, METRICS(), FILL, RATE, DIFF, RUNNING_SUM and IF', async () => {
    const d = await world();
    assert.deepEqual(
      run(
        d,
        'SUM(METRICS())',
        'MAX([errors, requests / 10])',
        'FILL(errors, 0)',
        'FILL(errors, REPEAT)',
        'FILL(errors, LINEAR)',
        'RATE(requests)',
        'DIFF(errors)',
        'RUNNING_SUM(errors)',
        'IF(requests > 25 AND NOT requests == 40, requests, 0)',
        'IF(errors >= 2, 1)',
        'DATAPOINT_COUNT(errors) + PERIOD(errors) + STDDEV(requests)',
      ),
      [
        'e1 e1: 0=11 1=22 2=30 3=44 4=50',
        'e2 e2: 0=1 1=2 2=3 3=4 4=5',
        'e3 e3: 0=1 1=2 2=0 3=4 4=0',
        'e4 e4: 0=1 1=2 2=2 3=4 4=4',
        // Between known values only: after the last one, nothing is known.
        'e5 e5: 0=1 1=2 2=3 3=4',
        'e6 e6: 1=0.1667 2=0.1667 3=0.1667 4=0.1667',
        'e7 e7: 1=1 3=2',
        'e8 e8: 0=1 1=3 3=7',
        'e9 e9: 0=0 1=0 2=30 3=0 4=50',
        'e10 e10: 1=1 3=1',
        'e11 e11: 0=77.1421 1=77.1421 2=77.1421 3=77.1421 4=77.1421',
      ],
    );
  });

  it('returns each series of an array under the query Id, filtered METRICS by Id, and labels', async () => {
    const d = await world();
    assert.deepEqual(
      run(
        d,
        { Id: 'all', Expression: 'METRICS() * 2', Label: 'Doubled' },
        { Id: 'errs', Expression: 'METRICS("err")' },
      ),
      [
        'all Doubled Requests: 0=20 1=40 2=60 3=80 4=100',
        'all Doubled Errors: 0=2 1=4 3=8',
        'errs Errors: 0=1 1=2 3=4',
      ],
    );
    // A metric query returned alongside keeps its own label; an expression's label is its Id unless given.
    assert.deepEqual(run(d, { ...stat('m1', 'Errors'), ReturnData: true }, { Id: 'x', Expression: 'm1', Label: 'E' }), [
      'm1 Errors: 0=1 1=2 3=4',
      'x E: 0=1 1=2 3=4',
    ]);
  });

  it('refuses a bad expression naming its query, and says what it does not compute', async () => {
    const d = await world();
    const field = 'MetricDataQueries.member.3.Expression';
    const cases: [string, RegExp][] = [
      ['requests +', /expected|unexpected the end/],
      ['requests $ 2', /unexpected character '\$'/],
      ['nosuch * 2', /no query with the Id nosuch/],
      ['FOO(requests)', /unknown function FOO/],
      // Names on Object.prototype are not functions.
      ['constructor(requests)', /unknown function CONSTRUCTOR/],
      ['toString(requests)', /unknown function TOSTRING/],
      ['__proto__', /gives a word, not data/],
      ['[1, 2]', /an array holds time series, not a number/],
      ['FILL(errors, SIDEWAYS)', /FILL takes a number, a time series, REPEAT or LINEAR/],
      ['RATE(1)', /RATE takes a time series, not a number/],
      ['METRICS() + METRICS()', /'\+' cannot take an array of time series and an array of time series/],
      ['ABS(requests, errors)', /ABS takes 1 argument, not 2/],
      [`${'('.repeat(100)}1${')'.repeat(100)}`, /nested deeper than 64/],
      [`requests${' + 1'.repeat(600)}`, /longer than 2048 characters/],
      ["METRICS('x", /unterminated string/],
    ];
    for (const [expression, message] of cases) {
      const got = await reasonOf(() => run(d, expression));
      assert.ok(got.startsWith(`InvalidParameter:${field}:Error in expression e1: `), `${expression}: ${got}`);
      assert.match(got, message, expression);
    }
    assert.match(
      await reasonOf(() => run(d, { Id: 'a', Expression: 'b + 1' }, { Id: 'b', Expression: 'a * 2' })),
      /^InvalidParameter:MetricDataQueries\.member\.\d\.Expression:Error in expression [ab]: the queries refer to each other in a circle/,
    );
    assert.match(await reasonOf(() => run(d, "SEARCH('{Shop} Errors', 'Sum', 60)")), /^NotImplemented/);
    assert.match(await reasonOf(() => run(d, 'SELECT AVG(Errors) FROM Shop')), /^NotImplemented/);
    // FILL of a 1-second series over two days, in an expression of hour-long periods: the fill's own grid is bounded.
    const secondly = [
      { Id: 'm', MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Errors' }, Period: 1, Stat: 'Sum' } },
      { Id: 'f', Expression: 'FILL(m, 0)', Period: 3600 },
    ];
    assert.match(
      await reasonOf(() => metricData(d, secondly, new Date(T0), new Date(T0 + 2 * 86_400_000))),
      /^InvalidParameter:MetricDataQueries\.member\.2\.Expression:Error in expression f: filling 1-second periods .* more than 100800/,
    );
    // Numbers made into a series stop at GetMetricData's limit on datapoints.
    const q = [{ Id: 'e1', Expression: 'TIME_SERIES(1)', Period: 1 }];
    assert.equal(metricData(d, q, new Date(T0), new Date(T0 + 5 * MIN))[0]?.Values.length, 300);
    assert.match(
      await reasonOf(() => metricData(d, q, new Date(T0), new Date(T0 + 2 * 86_400_000))),
      /^InvalidParameter:MetricDataQueries\.member\.1\.Period:The expression e1 would return more than 100800/,
    );
  });

  it('parses in one pass: precedence, words and strings', () => {
    assert.deepEqual(parseExpression('a + b * c'), {
      k: 'bin',
      op: '+',
      l: { k: 'ref', name: 'a' },
      r: { k: 'bin', op: '*', l: { k: 'ref', name: 'b' }, r: { k: 'ref', name: 'c' } },
    });
    assert.deepEqual(parseExpression('fill(m1, REPEAT)'), {
      k: 'call',
      name: 'FILL',
      args: [
        { k: 'ref', name: 'm1' },
        { k: 'word', name: 'REPEAT' },
      ],
    });
    assert.deepEqual(parseExpression('1.5e3 || !x'), {
      k: 'bin',
      op: 'OR',
      l: { k: 'num', v: 1500 },
      r: { k: 'not', e: { k: 'ref', name: 'x' } },
    });
    assert.throws(() => parseExpression(''), MathSyntaxError);
    assert.throws(() => parseExpression('1 2'), /unexpected '2' at position 3/);
  });
});
