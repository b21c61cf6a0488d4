// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { startBerth, type BerthProcess } from './harness.js';

interface WatchEvent {
  type: string;
  object: { metadata: { name?: string; resourceVersion?: string } };
}

/** A watch of the default namespace's ConfigMaps from `rv`: its events as they come, and its end. */
function watchFrom(endpoint: string, rv: string) {
  const events: WatchEvent[] = [];
  const res = fetch(`${endpoint}/k8s/default/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`);
  const ended = res.then(async (r) => {
    assert.equal(r.status, 200);
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
        let nl;
        while ((nl = text.indexOf('\n')) >= 0) {
          events.push(JSON.parse(text.slice(0, nl)) as WatchEvent);
          text = text.slice(nl + 1);
        }
      }
    } catch {
      // The server went away mid-stream: the watch has ended.
    }
  });
  return { events, ended };
}

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(ok(), what);
};

// A client's watch across a restart of berth: the stream ends with the server, and a watch from
// the last resourceVersion it saw, on the server started again, gets what happened since.
describe('Kubernetes watches across a berth restart', () => {
  let berth: BerthProcess | undefined;
  let dataDir = '';
  after(async () => {
    await berth?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const create = async (endpoint: string, name: string) => {
    const r = await fetch(`${endpoint}/k8s/default/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name }, data: { k: name } }),
    });
    assert.equal(r.status, 201);
  };

  it('resumes from the last resourceVersion seen, missing nothing and repeating nothing', async () => {
    berth = await startBerth({ keepDataDir: true, args: ['--no-agent'] });
    dataDir = berth.dataDir;
    await create(berth.endpoint, 'before');
    const list = (await (await fetch(`${berth.endpoint}/k8s/default/api/v1/namespaces/default/configmaps`)).json()) as {
      metadata: { resourceVersion: string };
    };
    const first = watchFrom(berth.endpoint, list.metadata.resourceVersion);
    await create(berth.endpoint, 'during');
    await until('the first watch sees "during"', () => first.events.some((e) => e.object.metadata.name === 'during'));
    const seen = first.events.at(-1)?.object.metadata.resourceVersion ?? '';
    assert.equal(await berth.stop(), 0);
    await first.ended;
    assert.deepEqual(
      first.events.map((e) => [e.type, e.object.metadata.name]),
      [['ADDED', 'during']],
    );

    berth = await startBerth({ dataDir, keepDataDir: true, args: ['--no-agent'] });
    await create(berth.endpoint, 'after');
    const second = watchFrom(berth.endpoint, seen);
    await until('the resumed watch sees "after"', () => second.events.some((e) => e.object.metadata.name === 'after'));
    assert.deepEqual(
      second.events.map((e) => [e.type, e.object.metadata.name]),
      [['ADDED', 'after']],
    );
    assert.ok(Number(second.events[0]?.object.metadata.resourceVersion) > Number(seen), 'revisions go on from before');
  });
});
