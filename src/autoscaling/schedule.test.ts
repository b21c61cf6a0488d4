import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../kernel/index.js';
import { cronMatches, parseSchedule, zonedInstant } from './schedule.js';

const refusal = (text: string) => {
  try {
    parseSchedule(text);
  } catch (e) {
    return isBerthError(e) ? e.kind : String(e);
  }
  return 'none';
};

describe('scheduled action schedules', () => {
  it('reads at, rate and cron expressions and refuses the rest', () => {
    assert.deepEqual(parseSchedule('at(2026-12-03T09:30:00)'), { kind: 'at', local: Date.UTC(2026, 11, 3, 9, 30) });
    assert.deepEqual(parseSchedule('rate(5 minutes)'), { kind: 'rate', everyMs: 300_000 });
    assert.deepEqual(parseSchedule('rate(1 day)'), { kind: 'rate', everyMs: 86_400_000 });
    assert.equal(refusal('rate(1 days)'), 'InvalidParameter');
    assert.equal(refusal('at(2026-02-30T00:00:00)'), 'InvalidParameter');
    assert.equal(refusal('cron(0 9 * * * *)'), 'InvalidParameter', 'day of month and of week both given');
    assert.equal(refusal('cron(0 9 L * ? *)'), 'NotImplemented');
    assert.equal(refusal('cron(61 9 * * ? *)'), 'InvalidParameter');
    assert.equal(refusal('every day'), 'InvalidParameter');
  });

  it('matches cron minutes in a time zone, with names, ranges, lists and steps', () => {
    const s = parseSchedule('cron(0/15 9-17 ? * MON-FRI *)');
    assert.equal(s.kind, 'cron');
    if (s.kind !== 'cron') return;
    const thu0930utc = Date.UTC(2026, 11, 3, 9, 30);
    assert.equal(cronMatches(s.fields, thu0930utc, 'UTC'), true);
    assert.equal(cronMatches(s.fields, thu0930utc + 60_000, 'UTC'), false, '09:31 is not on a 15-minute step');
    assert.equal(cronMatches(s.fields, Date.UTC(2026, 11, 5, 9, 30), 'UTC'), false, 'a Saturday');
    // 09:30 in Tokyo is 00:30 UTC.
    assert.equal(cronMatches(s.fields, Date.UTC(2026, 11, 3, 0, 30), 'Asia/Tokyo'), true);
    assert.equal(cronMatches(s.fields, thu0930utc, 'Asia/Tokyo'), false);
  });

  it('places a local time in its zone, across daylight saving', () => {
    assert.equal(zonedInstant(Date.UTC(2026, 11, 3, 9, 0), 'Europe/Berlin'), Date.UTC(2026, 11, 3, 8, 0));
    assert.equal(zonedInstant(Date.UTC(2026, 6, 3, 9, 0), 'Europe/Berlin'), Date.UTC(2026, 6, 3, 7, 0));
    assert.equal(zonedInstant(Date.UTC(2026, 6, 3, 9, 0), 'UTC'), Date.UTC(2026, 6, 3, 9, 0));
  });
});
