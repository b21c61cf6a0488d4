// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  awsCli,
  putEachSecondUntil,
  putEverySecond,
  queryCall,
  startBerth,
  testCredentials,
  type BerthProcess,
} from './harness.js';

// Metric math through the real clients: GetMetricData expressions answered alike in CBOR (the
// CLI), JSON (the v3 SDK) and the query protocol, and an alarm on an expression.
describe('metric math, with the AWS CLI (CBOR), the SDK (JSON) and the query protocol', () => {
  let berth: BerthProcess | undefined;
  after(async () => berth?.dispose());
  const aws = async (args: string[]) => {
    const r = await awsCli((berth as BerthProcess).endpoint, ['cloudwatch', ...args]);
    return { ...r, json: r.code === 0 && r.stdout ? JSON.parse(r.stdout) : undefined };
  };
  const minute = (offset: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 + offset * 60_000);
  const metric = (id: string, name: string) => ({
    Id: id,
    MetricStat: { Metric: { Namespace: 'Shop', MetricName: name }, Period: 60, Stat: 'Sum' },
    ReturnData: false,
  });
  const queries = [
    metric('requests', 'Requests'),
    metric('errors', 'Errors'),
    { Id: 'errorRate', Expression: '100 * errors / requests', Label: 'Error rate' },
    { Id: 'filled', Expression: 'FILL(errors, 0)' },
    { Id: 'total', Expression: 'SUM(METRICS())' },
    { Id: 'busy', Expression: 'IF(requests >= 200, 1, 0)' },
  ];
  type Result = { id: string; label: string; times: number[]; values: number[] };

  it('answers expressions alike in each protocol', async () => {
    berth = await startBerth({ args: ['--no-agent'] });
    const data = [
      ['Requests', -3, 100],
      ['Requests', -2, 200],
      ['Requests', -1, 300],
      ['Errors', -3, 5],
      ['Errors', -1, 30],
    ] as const;
    const put = await aws([
      'put-metric-data',
      '--namespace',
      'Shop',
      '--metric-data',
      JSON.stringify(data.map(([name, m, v]) => ({ MetricName: name, Timestamp: minute(m).toISOString(), Value: v }))),
    ]);
    assert.equal(put.code, 0, put.stderr);
    const [start, end] = [minute(-3), minute(0)];

    const cli = await aws([
      'get-metric-data',
      '--start-time',
      start.toISOString(),
      '--end-time',
      end.toISOString(),
      '--scan-by',
      'TimestampAscending',
      '--metric-data-queries',
      JSON.stringify(queries),
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const viaCli: Result[] = (
      cli.json.MetricDataResults as { Id: string; Label: string; Timestamps: number[]; Values: number[] }[]
    ).map((r) => ({ id: r.Id, label: r.Label, times: r.Timestamps.map((t) => t * 1000), values: r.Values }));
    const at = (...ms: number[]) => ms.map((m) => minute(m).getTime());
    assert.deepEqual(viaCli, [
      { id: 'errorRate', label: 'Error rate', times: at(-3, -1), values: [5, 10] },
      { id: 'filled', label: 'filled', times: at(-3, -2, -1), values: [5, 0, 30] },
      { id: 'total', label: 'total', times: at(-3, -2, -1), values: [105, 200, 330] },
      { id: 'busy', label: 'busy', times: at(-3, -2, -1), values: [0, 1, 1] },
    ]);

    const cw = new CloudWatchClient({ endpoint: berth.endpoint, region: 'us-east-1', credentials: testCredentials });
    const sdk = await cw.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampAscending',
        MetricDataQueries: queries,
      }),
    );
    assert.deepEqual(
      sdk.MetricDataResults?.map((r) => ({
        id: r.Id,
        label: r.Label,
        times: r.Timestamps?.map((t) => t.getTime()),
        values: r.Values,
      })),
      viaCli,
    );

    // The query protocol: the queries as form members, the results as XML.
    const form = new URLSearchParams({
      Action: 'GetMetricData',
      Version: '2010-08-01',
      StartTime: start.toISOString(),
      EndTime: end.toISOString(),
      ScanBy: 'TimestampAscending',
    });
    queries.forEach((q, i) => {
      const m = `MetricDataQueries.member.${i + 1}`;
      form.set(`${m}.Id`, q.Id);
      if ('Expression' in q) form.set(`${m}.Expression`, q.Expression);
      if ('Label' in q && q.Label) form.set(`${m}.Label`, q.Label);
      if ('MetricStat' in q) {
        form.set(`${m}.MetricStat.Metric.Namespace`, q.MetricStat.Metric.Namespace);
        form.set(`${m}.MetricStat.Metric.MetricName`, q.MetricStat.Metric.MetricName);
        form.set(`${m}.MetricStat.Period`, String(q.MetricStat.Period));
        form.set(`${m}.MetricStat.Stat`, q.MetricStat.Stat);
        form.set(`${m}.ReturnData`, 'false');
      }
    });
    const { status, xml } = await queryCall(berth.endpoint, 'monitoring', form);
    assert.equal(status, 200, xml);
    const members = [...xml.matchAll(/<member>\s*<Id>(.*?)<\/Id>(.*?)<\/StatusCode>/gs)].map(
      ([, id, rest]): Result => ({
        id: id as string,
        label: /<Label>(.*?)<\/Label>/s.exec(rest as string)?.[1] as string,
        times: [
          ...(/<Timestamps>(.*?)<\/Timestamps>/s.exec(rest as string)?.[1] ?? '').matchAll(/<member>(.*?)<\/member>/g),
        ].map((t) => Date.parse(t[1] as string)),
        values: [
          ...(/<Values>(.*?)<\/Values>/s.exec(rest as string)?.[1] ?? '').matchAll(/<member>(.*?)<\/member>/g),
        ].map((v) => Number(v[1])),
      }),
    );
    assert.deepEqual(members, viaCli);

    // A bad expression: CloudWatch's code, the query named.
    const bad = await aws([
      'get-metric-data',
      '--start-time',
      start.toISOString(),
      '--end-time',
      end.toISOString(),
      '--metric-data-queries',
      JSON.stringify([metric('requests', 'Requests'), { Id: 'e1', Expression: 'requests / nothing' }]),
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /InvalidParameterValue.*Error in expression e1: there is no query with the Id nothing/);
  });

  it('alarms on an expression, describes the alarm with its queries, and composes alarms', async (t) => {
    const name = 'queue-doubled';
    const made = await aws([
      'put-metric-alarm',
      '--alarm-name',
      name,
      '--evaluation-periods',
      '1',
      '--threshold',
      '100',
      '--comparison-operator',
      'GreaterThanOrEqualToThreshold',
      '--metrics',
      JSON.stringify([
        {
          Id: 'q',
          MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Queue' }, Period: 10, Stat: 'Maximum' },
          ReturnData: false,
        },
        { Id: 'doubled', Expression: 'q * 2', Label: 'Queue doubled', ReturnData: true },
      ]),
    ]);
    assert.equal(made.code, 0, made.stderr);
    const state = async () =>
      ((await aws(['describe-alarms', '--alarm-names', name])).json.MetricAlarms as Record<string, unknown>[])[0];
    const described = await state();
    assert.equal(described?.['StateValue'], 'INSUFFICIENT_DATA');
    assert.equal(described?.['MetricName'], undefined);
    assert.deepEqual(
      (described?.['Metrics'] as { Id: string; Expression?: string }[]).map((q) => [q.Id, q.Expression]),
      [
        ['q', undefined],
        ['doubled', 'q * 2'],
      ],
    );
    // 60 a second: doubled, 120 — over the threshold once a whole 10-s period holds it.
    const seen = await putEachSecondUntil(
      (berth as BerthProcess).endpoint,
      'Shop',
      'MetricName=Queue,Value=60,StorageResolution=1',
      state,
      (a) => a?.['StateValue'] === 'ALARM',
      40,
    );
    assert.equal(seen?.['StateValue'], 'ALARM', JSON.stringify(seen));
    assert.match(
      String(seen?.['StateReason']),
      /^Threshold Crossed: 1 out of the last 1 datapoints \[120\.0 \(.*\)\] was greater than or equal to the threshold \(100\.0\)/,
    );
    // A composite alarm over it: ALARM at the next evaluation, listed only when composite alarms are asked for.
    // The data keeps coming meanwhile: with none, the child's next 10-s period is missing and it leaves ALARM.
    const stopPutting = putEverySecond(
      (berth as BerthProcess).endpoint,
      'Shop',
      'MetricName=Queue,Value=60,StorageResolution=1',
    );
    t.after(stopPutting); // also when an assertion below fails
    const composite = await aws([
      'put-composite-alarm',
      '--alarm-name',
      'queue-page',
      '--alarm-rule',
      `ALARM("${name}") AND NOT ALARM(queue-quiet)`,
    ]);
    assert.match(composite.stderr, /InvalidParameterValue.*the alarms \[queue-quiet\] do not exist/);
    assert.equal(
      (await aws(['put-composite-alarm', '--alarm-name', 'queue-page', '--alarm-rule', `ALARM("${name}") OR FALSE`]))
        .code,
      0,
    );
    let page: Record<string, string> | undefined;
    for (let i = 0; i < 30 && page?.['StateValue'] !== 'ALARM'; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      page = (await aws(['describe-alarms', '--alarm-types', 'CompositeAlarm'])).json.CompositeAlarms[0];
    }
    await stopPutting();
    assert.equal(page?.['StateValue'], 'ALARM', JSON.stringify(page));
    assert.match(
      page?.['StateReason'] ?? '',
      new RegExp(`alarm:${name} transitioned to ALARM at \\w+day \\d\\d \\w+, \\d{4} [\\d:]{8} UTC$`),
    );
    assert.deepEqual((await aws(['describe-alarms', '--alarm-names', 'queue-page'])).json.CompositeAlarms, []);
    const parents = await aws(['describe-alarms', '--parents-of-alarm-name', name]);
    assert.deepEqual(
      (parents.json.CompositeAlarms as { AlarmName: string }[]).map((a) => a.AlarmName),
      ['queue-page'],
    );
    const composedHistory = await aws([
      'describe-alarm-history',
      '--alarm-name',
      'queue-page',
      '--history-item-type',
      'StateUpdate',
    ]);
    assert.deepEqual(
      (composedHistory.json.AlarmHistoryItems as { AlarmType: string; HistorySummary: string }[]).map((h) => [
        h.AlarmType,
        h.HistorySummary,
      ]),
      [['CompositeAlarm', 'Alarm updated from INSUFFICIENT_DATA to ALARM']],
    );
    // An alarm on an expression that gives several series is refused.
    const many = await aws([
      'put-metric-alarm',
      '--alarm-name',
      'many',
      '--evaluation-periods',
      '1',
      '--threshold',
      '1',
      '--comparison-operator',
      'GreaterThanThreshold',
      '--metrics',
      JSON.stringify([
        {
          Id: 'q',
          MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Queue' }, Period: 60, Stat: 'Maximum' },
          ReturnData: false,
        },
        { Id: 'all', Expression: 'METRICS()', ReturnData: true },
      ]),
    ]);
    assert.notEqual(many.code, 0);
    assert.match(many.stderr, /InvalidParameterValue.*must give a single time series/);
  });
});
