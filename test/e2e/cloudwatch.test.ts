// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { awsCli, putEachSecondUntil, queryCall, startBerth, testCredentials, type BerthProcess } from './harness.js';

// CloudWatch metrics in the three protocols its clients speak: the AWS CLI sends Smithy RPC v2
// CBOR, the v3 SDK JSON 1.0, older clients the query protocol.
describe('CloudWatch metrics, with the AWS CLI (CBOR), the SDK (JSON) and the query protocol', () => {
  let berth: BerthProcess | undefined;
  after(async () => berth?.dispose());
  const aws = async (args: string[]) => {
    const r = await awsCli((berth as BerthProcess).endpoint, ['cloudwatch', ...args]);
    return { ...r, json: r.code === 0 && r.stdout ? JSON.parse(r.stdout) : undefined };
  };
  const minute = (offset: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 + offset * 60_000);

  it('puts data and answers statistics, percentiles, metric queries and listings in each protocol', async () => {
    berth = await startBerth({ args: ['--no-agent'] });
    const cw = new CloudWatchClient({ endpoint: berth.endpoint, region: 'us-east-1', credentials: testCredentials });
    const at = minute(-2);
    // Fixed here: a minute boundary passing while the test runs must not move the expected minute.
    const next = new Date(at.getTime() + 60_000);

    // The CLI (CBOR): single values and a statistic set, one minute apart.
    const put = await aws([
      'put-metric-data',
      '--namespace',
      'Shop',
      '--metric-data',
      JSON.stringify([
        {
          MetricName: 'Latency',
          Dimensions: [{ Name: 'Service', Value: 'api' }],
          Timestamp: at.toISOString(),
          Values: [10, 20, 30, 1000],
          Counts: [1, 1, 97, 1],
          Unit: 'Milliseconds',
        },
        {
          MetricName: 'Latency',
          Dimensions: [{ Name: 'Service', Value: 'api' }],
          Timestamp: next.toISOString(),
          StatisticValues: { SampleCount: 2, Sum: 100, Minimum: 40, Maximum: 60 },
          Unit: 'Milliseconds',
        },
      ]),
    ]);
    assert.equal(put.code, 0, put.stderr);
    // The SDK (JSON): another metric of the namespace, with two dimensions.
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          {
            MetricName: 'Orders',
            Dimensions: [
              { Name: 'Service', Value: 'api' },
              { Name: 'Region', Value: 'eu' },
            ],
            Value: 3,
            Unit: 'Count',
          },
        ],
      }),
    );

    const stats = await aws([
      'get-metric-statistics',
      '--namespace',
      'Shop',
      '--metric-name',
      'Latency',
      '--dimensions',
      'Name=Service,Value=api',
      '--start-time',
      minute(-5).toISOString(),
      '--end-time',
      minute(1).toISOString(),
      '--period',
      '60',
      '--statistics',
      'SampleCount',
      'Average',
      'Minimum',
      'Maximum',
      'Sum',
    ]);
    assert.equal(stats.code, 0, stats.stderr);
    const points = (stats.json.Datapoints as Record<string, number>[]).sort(
      (a, b) => (a['Timestamp'] as number) - (b['Timestamp'] as number),
    );
    assert.deepEqual(
      points.map((p) => [p['Timestamp'], p['SampleCount'], p['Sum'], p['Minimum'], p['Maximum'], p['Average']]),
      [
        [at.getTime() / 1000, 100, 10 + 20 + 30 * 97 + 1000, 10, 1000, 39.4],
        [next.getTime() / 1000, 2, 100, 40, 60, 50],
      ],
    );

    // Percentiles from the stored values (a statistic set has none), through the SDK.
    const pct = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Shop',
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Service', Value: 'api' }],
        StartTime: at,
        EndTime: minute(1),
        Period: 300,
        ExtendedStatistics: ['p50', 'p99', 'p100'],
      }),
    );
    const first = pct.Datapoints?.[0];
    assert.equal(pct.Datapoints?.length, 1, 'one 5-minute period, from StartTime');
    assert.equal(first?.Timestamp?.getTime(), at.getTime());
    assert.equal(first?.Unit, 'Milliseconds');
    assert.equal(first?.ExtendedStatistics, undefined, 'the period holds a statistic set: its percentiles are unknown');
    const alone = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Shop',
        MetricName: 'Latency',
        Dimensions: [{ Name: 'Service', Value: 'api' }],
        StartTime: at,
        EndTime: minute(-1),
        Period: 60,
        ExtendedStatistics: ['p50', 'p99', 'p100'],
      }),
    );
    assert.deepEqual(alone.Datapoints?.[0]?.ExtendedStatistics, { p50: 30, p99: 30, p100: 1000 });
    assert.ok(alone.Datapoints?.[0]?.Timestamp instanceof Date);

    // GetMetricData: the newest period first.
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: minute(-5),
        EndTime: minute(1),
        MetricDataQueries: [
          {
            Id: 'avg',
            MetricStat: {
              Metric: { Namespace: 'Shop', MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'api' }] },
              Period: 60,
              Stat: 'Average',
            },
          },
        ],
      }),
    );
    assert.deepEqual(data.MetricDataResults?.[0]?.Values, [50, 39.4]);
    assert.equal(data.MetricDataResults?.[0]?.StatusCode, 'Complete');
    // The same query through the CLI (CBOR) answers the same.
    const viaCli = await aws([
      'get-metric-data',
      '--start-time',
      minute(-5).toISOString(),
      '--end-time',
      minute(1).toISOString(),
      '--metric-data-queries',
      JSON.stringify([
        {
          Id: 'avg',
          MetricStat: {
            Metric: { Namespace: 'Shop', MetricName: 'Latency', Dimensions: [{ Name: 'Service', Value: 'api' }] },
            Period: 60,
            Stat: 'Average',
          },
        },
      ]),
    ]);
    const cliResult = viaCli.json.MetricDataResults[0] as { Values: number[]; Timestamps: number[]; Label: string };
    assert.deepEqual(cliResult.Values, data.MetricDataResults?.[0]?.Values);
    assert.deepEqual(
      cliResult.Timestamps,
      data.MetricDataResults?.[0]?.Timestamps?.map((t) => t.getTime() / 1000),
    );
    assert.equal(cliResult.Label, data.MetricDataResults?.[0]?.Label);

    // ListMetrics: by namespace, by dimension (name alone, or name and value).
    const listed = await aws(['list-metrics', '--namespace', 'Shop']);
    assert.deepEqual((listed.json.Metrics as { MetricName: string }[]).map((m) => m.MetricName).sort(), [
      'Latency',
      'Orders',
    ]);
    const byRegion = await cw.send(new ListMetricsCommand({ Dimensions: [{ Name: 'Region' }] }));
    assert.deepEqual(
      byRegion.Metrics?.map((m) => [m.MetricName, m.Dimensions?.map((d) => `${d.Name}=${d.Value}`)]),
      [['Orders', ['Region=eu', 'Service=api']]],
    );
    const none = await aws(['list-metrics', '--dimensions', 'Name=Region,Value=us']);
    assert.deepEqual(none.json.Metrics, []);

    // The query protocol: form parameters in, XML out.
    const form = new URLSearchParams({
      Action: 'ListMetrics',
      Version: '2010-08-01',
      Namespace: 'Shop',
      MetricName: 'Orders',
    });
    const { status, xml } = await queryCall(berth.endpoint, 'monitoring', form);
    assert.equal(status, 200, xml);
    assert.match(xml, /<ListMetricsResponse[^>]*>.*<MetricName>Orders<\/MetricName>.*<\/ListMetricsResponse>/s);
  });

  it('evaluates an alarm from the data put: ALARM with CloudWatch’s reason, history, a state set by hand, deletion', async () => {
    const name = 'orders-high';
    const made = await aws([
      'put-metric-alarm',
      '--alarm-name',
      name,
      '--namespace',
      'Shop',
      '--metric-name',
      'Queue',
      '--statistic',
      'Maximum',
      '--period',
      '10',
      '--evaluation-periods',
      '1',
      '--threshold',
      '100',
      '--comparison-operator',
      'GreaterThanOrEqualToThreshold',
    ]);
    assert.equal(made.code, 0, made.stderr);
    const state = async () =>
      ((await aws(['describe-alarms', '--alarm-names', name])).json.MetricAlarms as Record<string, string>[])[0];
    assert.equal((await state())?.['StateValue'], 'INSUFFICIENT_DATA');
    // High-resolution data, put each second until the alarm (evaluated every 10 s) sees a whole period of it.
    const seen = await putEachSecondUntil(
      (berth as BerthProcess).endpoint,
      'Shop',
      'MetricName=Queue,Value=250,StorageResolution=1',
      state,
      (a) => a?.['StateValue'] === 'ALARM',
      40,
    );
    assert.equal(seen?.['StateValue'], 'ALARM', JSON.stringify(seen));
    assert.match(
      seen?.['StateReason'] ?? '',
      /^Threshold Crossed: 1 out of the last 1 datapoints \[250\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than or equal to the threshold \(100\.0\) \(minimum 1 datapoint for OK -> ALARM transition\)\.$/,
    );
    const set = await aws([
      'set-alarm-state',
      '--alarm-name',
      name,
      '--state-value',
      'OK',
      '--state-reason',
      'by hand',
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await state())?.['StateReason'], 'by hand');
    const hist = await aws(['describe-alarm-history', '--alarm-name', name, '--history-item-type', 'StateUpdate']);
    assert.deepEqual(
      (hist.json.AlarmHistoryItems as { HistorySummary: string }[]).map((h) => h.HistorySummary),
      ['Alarm updated from ALARM to OK', 'Alarm updated from INSUFFICIENT_DATA to ALARM'],
    );
    const gone = await aws(['delete-alarms', '--alarm-names', name, 'no-such-alarm']);
    assert.match(gone.stderr, /ResourceNotFound/);
    assert.equal((await aws(['delete-alarms', '--alarm-names', name])).code, 0);
    assert.deepEqual((await aws(['describe-alarms'])).json.MetricAlarms, []);
  });

  it('refuses bad data with CloudWatch’s codes, in each protocol, and stores none of a refused call', async () => {
    const cw = new CloudWatchClient({
      endpoint: (berth as BerthProcess).endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
      maxAttempts: 1,
    });
    const own = await aws(['put-metric-data', '--namespace', 'AWS/ECS', '--metric-name', 'X', '--value', '1']);
    assert.match(own.stderr, /InvalidParameterValue.*AWS\/ECS for parameter Namespace/);
    const old = await aws([
      'put-metric-data',
      '--namespace',
      'Shop',
      '--metric-data',
      JSON.stringify([
        { MetricName: 'Fine', Value: 1 },
        { MetricName: 'Late', Value: 1, Timestamp: '2020-01-01T00:00:00Z' },
      ]),
    ]);
    assert.match(old.stderr, /InvalidParameterValue.*MetricData\.member\.2\.Timestamp/);
    const both = await cw
      .send(
        new GetMetricStatisticsCommand({
          Namespace: 'Shop',
          MetricName: 'Latency',
          StartTime: minute(-5),
          EndTime: minute(1),
          Period: 60,
          Statistics: ['Average'],
          ExtendedStatistics: ['p99'],
        }),
      )
      .catch((e: Error) => e);
    assert.ok(both instanceof Error);
    assert.equal(both.name, 'InvalidParameterCombinationException');
    const period = await aws([
      'get-metric-statistics',
      '--namespace',
      'Shop',
      '--metric-name',
      'Latency',
      '--start-time',
      minute(-5).toISOString(),
      '--end-time',
      minute(1).toISOString(),
      '--period',
      '45',
      '--statistics',
      'Sum',
    ]);
    assert.match(period.stderr, /InvalidParameterValue.*Period/);
    const math = await aws([
      'get-metric-data',
      '--start-time',
      minute(-5).toISOString(),
      '--end-time',
      minute(1).toISOString(),
      '--metric-data-queries',
      `[{"Id":"e1","Expression":"SEARCH('{Shop} Latency', 'Sum', 60)"}]`,
    ]);
    assert.match(math.stderr, /NotImplemented.*the metric math function SEARCH/);
    const listed = await aws(['list-metrics', '--namespace', 'Shop', '--metric-name', 'Fine']);
    assert.deepEqual(listed.json.Metrics, [], 'the call with a bad datum stored none of its data');
  });
});
