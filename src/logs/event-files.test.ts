import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pruneEventFiles } from './event-upkeep.js';
import { EventFiles } from './event-files.js';
import { ingestDriverBatch } from './ingest.js';
import { putLogEvents } from './put-events.js';
import { filterLogEvents } from './filter-events.js';
import { getLogEvents } from './read-events.js';
import { createLogGroup } from './groups.js';
import { createLogStream, deleteLogStream } from './streams.js';
import { testLogsDeps } from './test-deps.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Two servers over one store, each with its own event file in one shared directory. */
function twoServers() {
  const dir = mkdtempSync(join(tmpdir(), 'berth-event-files-'));
  dirs.push(dir);
  const a = testLogsDeps(dir, '127.0.0.1:4566');
  const b = { ...a, events: new EventFiles(dir, '127.0.0.1:4567') };
  return { dir, a, b, t: a.clock.now().getTime() };
}

describe('event files (several servers)', () => {
  it('merges what two servers wrote to one stream, in time order, with tokens either can read', async () => {
    const { dir, a, b, t } = twoServers();
    await createLogGroup(a, { logGroupName: '/g' });
    await createLogStream(a, '/g', 's');
    await putLogEvents(a, '/g', 's', [
      { timestamp: t, message: 'a0' },
      { timestamp: t + 2, message: 'a2' },
    ]);
    await putLogEvents(b, '/g', 's', [
      { timestamp: t + 1, message: 'b1' },
      { timestamp: t + 3, message: 'b3' },
    ]);
    assert.deepEqual(
      readdirSync(dir)
        .filter((f) => f.endsWith('.db'))
        .sort(),
      ['127_0_0_1_4566.db', '127_0_0_1_4567.db'],
    );
    for (const d of [a, b]) {
      const all = getLogEvents(d, { logGroupName: '/g', logStreamName: 's', startFromHead: true });
      assert.deepEqual(
        all.events.map((e) => e.message),
        ['a0', 'b1', 'a2', 'b3'],
      );
    }
    const first = getLogEvents(a, { logGroupName: '/g', logStreamName: 's', startFromHead: true, limit: 3 });
    assert.match(first.nextForwardToken, /^f\/\d{25}\.127_0_0_1_4566$/);
    const rest = getLogEvents(b, { logGroupName: '/g', logStreamName: 's', nextToken: first.nextForwardToken });
    assert.deepEqual(
      rest.events.map((e) => e.message),
      ['b3'],
    );
    const back = getLogEvents(b, { logGroupName: '/g', logStreamName: 's', nextToken: rest.nextBackwardToken });
    assert.deepEqual(
      back.events.map((e) => e.message),
      ['a0', 'b1', 'a2'],
    );
    const f = filterLogEvents(b, { logGroupName: '/g', filterPattern: 'a', limit: 1 });
    assert.deepEqual(
      f.events.map((e) => e.message),
      ['a0'],
    );
    const f2 = filterLogEvents(a, { logGroupName: '/g', filterPattern: 'a', nextToken: f.nextToken as string });
    assert.deepEqual(
      f2.events.map((e) => e.message),
      ['a2'],
    );
  });

  it('stores a driver batch once when two servers receive it, and drops a deleted stream’s events', async () => {
    const { a, b, t } = twoServers();
    const batch = {
      group: '/ecs/app',
      stream: 'app/web/1',
      createGroup: true,
      source: 'web.log',
      fromOffset: 0,
      toOffset: 20,
      events: [{ timestamp: t, message: 'hello' }],
    };
    await ingestDriverBatch(a, batch);
    await ingestDriverBatch(b, batch);
    const q = { logGroupName: '/ecs/app', logStreamName: 'app/web/1', startFromHead: true };
    assert.deepEqual(
      getLogEvents(b, q).events.map((e) => e.message),
      ['hello'],
    );
    await ingestDriverBatch(b, {
      ...batch,
      fromOffset: 20,
      toOffset: 30,
      events: [{ timestamp: t + 1, message: 'x' }],
    });
    assert.deepEqual(
      getLogEvents(a, q).events.map((e) => e.message),
      ['hello', 'x'],
    );
    await deleteLogStream(a, '/ecs/app', 'app/web/1');
    await createLogStream(b, '/ecs/app', 'app/web/1');
    assert.deepEqual(getLogEvents(a, q).events, [], 'a stream made again shows none of the old one’s events');
    assert.equal(pruneEventFiles({ ...a, events: a.events as EventFiles }), 1);
    assert.equal(pruneEventFiles({ ...b, events: b.events }), 1);
    assert.deepEqual((a.events as EventFiles).streams(), []);
  });

  it('takes back rows when the stream is deleted before the record commits', async () => {
    const { a, t } = twoServers();
    await createLogGroup(a, { logGroupName: '/g' });
    await createLogStream(a, '/g', 's');
    const files = a.events as EventFiles;
    const realAppend = files.append.bind(files);
    // Another server deletes the stream between this server's file write and its commit.
    files.append = (stream, events) => {
      const out = realAppend(stream, events);
      void deleteLogStream(a, '/g', 's');
      return out;
    };
    await assert.rejects(putLogEvents(a, '/g', 's', [{ timestamp: t, message: 'lost' }]), /log stream does not exist/);
    assert.deepEqual(files.streams(), [], 'nothing of it is left in the file');
  });
});
