import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../kernel/errors.js';
import { createLogGroup, describeLogGroups, expireEvents, setRetention } from './groups.js';
import { putLogEvents } from './put-events.js';
import { filterLogEvents } from './filter-events.js';
import { getLogEvents } from './read-events.js';
import { createLogStream, describeLogStreams, groupStoredBytes } from './streams.js';
import { testLogsDeps } from './test-deps.js';

const code = (c: string) => (e: unknown) => e instanceof BerthError && e.kind === c;

/** Every test runs twice: events in the store's table, and in event files (several servers). */
const modes = [undefined, 'files'] as const;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
let mode: (typeof modes)[number];

async function world() {
  const dir = mode && mkdtempSync(join(tmpdir(), 'berth-logs-'));
  if (dir) dirs.push(dir);
  const deps = testLogsDeps(dir);
  await createLogGroup(deps, { logGroupName: '/ecs/web' });
  await createLogStream(deps, '/ecs/web', 'web/app/1');
  await createLogStream(deps, '/ecs/web', 'web/app/2');
  return { deps, t: deps.clock.now().getTime() };
}

for (const m of modes)
  describe(`CloudWatch Logs domain${m ? ' (event files)' : ''}`, () => {
    before(() => {
      mode = m;
    });
    it('refuses duplicates and missing groups and streams with the service exception names', async () => {
      const { deps, t } = await world();
      await assert.rejects(async () => createLogGroup(deps, { logGroupName: '/ecs/web' }), code('AlreadyExists'));
      await assert.rejects(async () => createLogStream(deps, '/ecs/web', 'web/app/1'), code('AlreadyExists'));
      await assert.rejects(async () => createLogStream(deps, '/nope', 's'), code('NotFound'));
      await assert.rejects(
        async () => putLogEvents(deps, '/ecs/web', 'nope', [{ timestamp: t, message: 'x' }]),
        /log stream does not exist/,
      );
      assert.deepEqual(
        describeLogGroups(deps, { logGroupNamePrefix: '/ecs' }).map((g) => g.name),
        ['/ecs/web'],
      );
    });

    it('applies PutLogEvents batch rules and reports rejected events by index', async () => {
      const { deps, t } = await world();
      await assert.rejects(
        async () =>
          putLogEvents(deps, '/ecs/web', 'web/app/1', [
            { timestamp: t + 1, message: 'b' },
            { timestamp: t, message: 'a' },
          ]),
        /chronological order/,
      );
      await assert.rejects(
        async () =>
          putLogEvents(deps, '/ecs/web', 'web/app/1', [
            { timestamp: t - 25 * 3_600_000, message: 'a' },
            { timestamp: t, message: 'b' },
          ]),
        /cannot span more than 24 hours/,
      );
      const DAY = 86_400_000;
      const r = await putLogEvents(deps, '/ecs/web', 'web/app/1', [
        { timestamp: t - 14 * DAY - 3_600_000, message: 'too old' },
        { timestamp: t - 14 * DAY + 3_600_000, message: 'kept' },
        { timestamp: t - 14 * DAY + 7_200_000, message: 'kept too' },
      ]);
      assert.deepEqual(r.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 0 });
      const future = await putLogEvents(deps, '/ecs/web', 'web/app/2', [
        { timestamp: t, message: 'now' },
        { timestamp: t + 3 * 3_600_000, message: 'future' },
      ]);
      assert.deepEqual(future.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 1 });
      assert.deepEqual(
        getLogEvents(deps, { logGroupName: '/ecs/web', logStreamName: 'web/app/2' }).events.map((e) => e.message),
        ['now'],
      );
    });

    it('pages forward and backward, returning the same token at either end', async () => {
      const { deps, t } = await world();
      await putLogEvents(
        deps,
        '/ecs/web',
        'web/app/1',
        Array.from({ length: 5 }, (_, i) => ({ timestamp: t + i, message: `m${i}` })),
      );
      const q = { logGroupName: '/ecs/web', logStreamName: 'web/app/1', limit: 2 };
      const seen: string[] = [];
      let page = getLogEvents(deps, { ...q, startFromHead: true });
      for (let i = 0; i < 10; i++) {
        seen.push(...page.events.map((e) => e.message));
        const next = getLogEvents(deps, { ...q, nextToken: page.nextForwardToken });
        if (next.nextForwardToken === page.nextForwardToken) {
          assert.deepEqual(next.events, []);
          break;
        }
        page = next;
      }
      assert.deepEqual(seen, ['m0', 'm1', 'm2', 'm3', 'm4']);
      const tail = getLogEvents(deps, q);
      assert.deepEqual(
        tail.events.map((e) => e.message),
        ['m3', 'm4'],
        'without a token: the newest events',
      );
      const back = getLogEvents(deps, { ...q, nextToken: tail.nextBackwardToken });
      assert.deepEqual(
        back.events.map((e) => e.message),
        ['m1', 'm2'],
      );
      const first = getLogEvents(deps, {
        ...q,
        nextToken: getLogEvents(deps, { ...q, nextToken: back.nextBackwardToken }).nextBackwardToken,
      });
      assert.deepEqual(first.events, []);
      assert.deepEqual(
        getLogEvents(deps, { ...q, startTime: t + 1, endTime: t + 3, startFromHead: true }).events.map(
          (e) => e.message,
        ),
        ['m1', 'm2'],
      );
      assert.throws(() => getLogEvents(deps, { ...q, nextToken: 'garbage' }), /nextToken is invalid/);
    });

    it('filters a large group a scan-limited call at a time, every match once and in order', async () => {
      const { deps, t } = await world();
      for (const [stream, offset] of [
        ['web/app/1', 0],
        ['web/app/2', 1],
      ] as const) {
        await putLogEvents(
          deps,
          '/ecs/web',
          stream,
          Array.from({ length: 5000 }, (_, i) => ({
            timestamp: t + 2 * i + offset,
            message: i % 7 === 0 ? `hit ${2 * i + offset}` : 'miss',
          })),
        );
      }
      const got: number[] = [];
      let token: string | undefined;
      let calls = 0;
      do {
        const r = filterLogEvents(
          deps,
          { logGroupName: '/ecs/web', filterPattern: 'hit', ...(token ? { nextToken: token } : {}) },
          999,
        );
        got.push(...r.events.map((e) => Number(e.message.split(' ')[1])));
        token = r.nextToken;
        calls++;
      } while (token);
      const want = Array.from({ length: 10_000 }, (_, n) => n).filter((n) => Math.floor(n / 2) % 7 === 0);
      assert.deepEqual(got, want);
      assert.equal(calls, 11, '10,000 events at 999 a call');
      assert.throws(
        () => filterLogEvents(deps, { logGroupName: '/ecs/web', nextToken: 'AAAA' }),
        /nextToken is invalid/,
      );
    });

    it('filters across streams in time order, with tokens, and orders streams by last event', async () => {
      const { deps, t } = await world();
      await putLogEvents(deps, '/ecs/web', 'web/app/1', [
        { timestamp: t, message: 'ERROR a' },
        { timestamp: t + 2, message: 'ok' },
      ]);
      await putLogEvents(deps, '/ecs/web', 'web/app/2', [
        { timestamp: t + 1, message: 'ERROR b' },
        { timestamp: t + 3, message: 'ERROR c' },
      ]);
      const r = filterLogEvents(deps, { logGroupName: '/ecs/web', filterPattern: 'ERROR', limit: 2 });
      assert.deepEqual(
        r.events.map((e) => [e.logStreamName, e.message]),
        [
          ['web/app/1', 'ERROR a'],
          ['web/app/2', 'ERROR b'],
        ],
      );
      const rest = filterLogEvents(deps, {
        logGroupName: '/ecs/web',
        filterPattern: 'ERROR',
        nextToken: r.nextToken as string,
      });
      assert.deepEqual(
        rest.events.map((e) => e.message),
        ['ERROR c'],
      );
      assert.equal(rest.nextToken, undefined);
      assert.deepEqual(
        describeLogStreams(deps, { logGroupName: '/ecs/web', orderBy: 'LastEventTime', descending: true }).map(
          (s) => s.name,
        ),
        ['web/app/2', 'web/app/1'],
      );
    });

    it('deletes events past the group retention', async () => {
      const { deps, t } = await world();
      await putLogEvents(
        deps,
        '/ecs/web',
        'web/app/1',
        Array.from({ length: 25 }, (_, i) => ({ timestamp: t - 2 * 86_400_000 + i, message: 'old' })),
      );
      await putLogEvents(deps, '/ecs/web', 'web/app/1', [{ timestamp: t, message: 'new' }]);
      await setRetention(deps, '/ecs/web', 1);
      await assert.rejects(async () => setRetention(deps, '/ecs/web', 2), /retentionInDays/);
      assert.equal(groupStoredBytes(deps, '/ecs/web'), 25 * 3 + 3);
      assert.equal(await expireEvents(deps, 10), 25, 'in chunks of 10');
      assert.equal(groupStoredBytes(deps, '/ecs/web'), 3, 'what is left counts');
      assert.deepEqual(
        getLogEvents(deps, { logGroupName: '/ecs/web', logStreamName: 'web/app/1' }).events.map((e) => e.message),
        ['new'],
      );
    });
  });
