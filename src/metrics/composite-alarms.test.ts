import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { isBerthError } from '../kernel/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import {
  alarmRelatives,
  deleteAlarms,
  describeAlarmHistory,
  describeCompositeAlarms,
  evaluateCompositeAlarms,
  putCompositeAlarm,
  putMetricAlarm,
  setAlarmState,
  type MetricsDeps,
} from './index.js';

const T0 = Date.UTC(2026, 11, 3, 13, 35);
const failure = async (f: () => unknown) => {
  try {
    await f();
  } catch (e) {
    return isBerthError(e) ? `${e.kind}:${e.detail.field ?? ''}:${e.message}` : String(e);
  }
  return 'none';
};

async function world() {
  const clock = new ManualClock(T0);
  const d: MetricsDeps = {
    store: localShared(new MemoryStore()),
    clock,
    accountId: '000000000000',
    region: 'us-east-1',
  };
  for (const name of ['cpu', 'deploying', 'errors'])
    await putMetricAlarm(d, {
      AlarmName: name,
      Namespace: 'Shop',
      MetricName: name,
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  return { d, clock };
}

describe('composite alarms', () => {
  it('goes to ALARM while its rule holds, naming the child that changed, and back to OK', async () => {
    const { d, clock } = await world();
    const c = await putCompositeAlarm(d, {
      AlarmName: 'page-me',
      AlarmRule: 'ALARM("cpu") AND NOT ALARM(deploying)',
      AlarmActions: ['arn:aws:sns:us-east-1:000000000000:ops'],
    });
    assert.equal(c.StateValue, 'INSUFFICIENT_DATA');
    // A composite over the composite, by ARN: settles in the same pass.
    await putCompositeAlarm(d, { AlarmName: 'any', AlarmRule: `ALARM("${c.AlarmArn}") OR ALARM(errors)` });
    await evaluateCompositeAlarms(d);
    const states = () =>
      describeCompositeAlarms(d, {})
        .map((a) => `${a.AlarmName}=${a.StateValue}`)
        .join(' ');
    assert.equal(states(), 'any=OK page-me=OK');
    clock.advance(1000);
    await setAlarmState(d, 'cpu', 'ALARM', 'by hand');
    await evaluateCompositeAlarms(d);
    assert.equal(states(), 'any=ALARM page-me=ALARM');
    const [paged] = describeCompositeAlarms(d, { AlarmNames: ['page-me'] });
    assert.equal(
      paged?.StateReason,
      'arn:aws:cloudwatch:us-east-1:000000000000:alarm:cpu transitioned to ALARM at Thursday 03 December, 2026 13:35:01 UTC',
    );
    assert.deepEqual(JSON.parse(paged?.StateReasonData ?? '{}').triggeringAlarms[0].state, {
      value: 'ALARM',
      timestamp: '2026-12-03T13:35:01.000Z',
    });
    clock.advance(1000);
    await setAlarmState(d, 'deploying', 'ALARM', 'a deployment');
    await evaluateCompositeAlarms(d);
    assert.equal(states(), 'any=OK page-me=OK');
    assert.deepEqual(
      describeAlarmHistory(d, { AlarmName: 'page-me', HistoryItemType: 'StateUpdate' }).map((h) => h.HistorySummary),
      [
        'Alarm updated from ALARM to OK',
        'Alarm updated from OK to ALARM',
        'Alarm updated from INSUFFICIENT_DATA to OK',
      ],
    );
    assert.deepEqual(
      alarmRelatives(d, { ChildrenOfAlarmName: 'page-me' }).metric.map((a) => a.AlarmName),
      ['cpu', 'deploying'],
    );
    assert.deepEqual(
      alarmRelatives(d, { ParentsOfAlarmName: 'page-me' }).composite.map((a) => a.AlarmName),
      ['any'],
    );
    await deleteAlarms(d, ['any', 'cpu']);
    assert.deepEqual(
      describeCompositeAlarms(d, {}).map((a) => a.AlarmName),
      ['page-me'],
    );
  });

  it('refuses a rule it cannot read, names that do not exist, a rule that leads back to itself', async () => {
    const { d } = await world();
    await putCompositeAlarm(d, { AlarmName: 'a', AlarmRule: 'TRUE' });
    await putCompositeAlarm(d, { AlarmName: 'b', AlarmRule: 'ALARM(a)' });
    const cases: [string, string, RegExp][] = [
      [
        'x',
        'ALARM(',
        /^InvalidParameter:AlarmRule:Error in AlarmRule: expected an alarm's name or ARN but found the end/,
      ],
      ['x', 'FOO("cpu")', /expected ALARM, OK, INSUFFICIENT_DATA, TRUE, FALSE, NOT or '\(' but found 'FOO'/],
      ['x', 'ALARM("cpu") AND', /found the end of the rule/],
      ['x', 'ALARM("cpu) OR OK(errors)', /an alarm name opened at position 7 is not closed/],
      ['x', `${'('.repeat(100)}TRUE${')'.repeat(100)}`, /nested deeper than 64/],
      ['x', 'ALARM("cpu") OK("errors")', /unexpected 'OK' at position 14/],
      ['x', 'ALARM(nope) OR ALARM("also-nope")', /the alarms \[nope, also-nope\] do not exist/],
      ['a', 'ALARM(b)', /the rule leads back to a itself/],
      ['cpu', 'TRUE', /^InvalidParameter:AlarmName:The alarm cpu is a metric alarm/],
    ];
    for (const [name, rule, want] of cases)
      assert.match(await failure(() => putCompositeAlarm(d, { AlarmName: name, AlarmRule: rule })), want, rule);
    assert.match(
      await failure(() =>
        putMetricAlarm(d, {
          AlarmName: 'a',
          Namespace: 'Shop',
          MetricName: 'x',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      ),
      /^InvalidParameter:AlarmName:The alarm a is a composite alarm/,
    );
    assert.match(
      await failure(() => putCompositeAlarm(d, { AlarmName: 'x', AlarmRule: 'TRUE', ActionsSuppressor: 'cpu' })),
      /^NotImplemented/,
    );
    assert.deepEqual(
      describeCompositeAlarms(d, {}).map((a) => [a.AlarmName, a.AlarmRule]),
      [
        ['a', 'TRUE'],
        ['b', 'ALARM(a)'],
      ],
      'nothing refused was stored',
    );
  });
});
