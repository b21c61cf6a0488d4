import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageStore, PulledImage } from './images/image-store.js';
import { PullFailure, TaskImages } from './task-images.js';

const image = (digest: string): PulledImage => ({ digest, config: {}, layers: [`/snap/${digest}`] });

/** An image store twin: the cache answers at once, each pull when the test says so. */
function store(cached: PulledImage | undefined) {
  const pulls: { resolve: (p: PulledImage) => void; reject: (e: Error) => void }[] = [];
  const s = {
    peek: async () => cached,
    pull: (_ref: string, behavior?: string) => {
      if (behavior === 'prefer-cached' && cached) return Promise.resolve(cached);
      return new Promise<PulledImage>((resolve, reject) => pulls.push({ resolve, reject }));
    },
  };
  return { s: s as unknown as ImageStore, pulls };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('TaskImages', () => {
  it('lets containers be made from the cached image while the registry is asked, then confirms it', async () => {
    const { s, pulls } = store(image('sha256:a'));
    const t = new TaskImages(s, 'default');
    let pulledWith: unknown = 'not yet';
    await t.begin(['img'], (e) => (pulledWith = e));
    assert.equal(pulls.length, 0, 'the registry is asked once a container is being made');
    assert.equal((await t.get('img')).digest, 'sha256:a');
    t.kick();
    t.kick();
    assert.equal(pulls.length, 1, 'and asked once');
    assert.equal(t.digestOf('img'), undefined, 'not confirmed yet');
    const confirmed = t.confirm('img', await t.get('img'));
    pulls[0]?.resolve(image('sha256:a'));
    assert.equal(await confirmed, true);
    assert.equal(pulledWith, undefined);
    assert.equal(t.digestOf('img'), 'sha256:a');
  });

  it('says a container must be made again when the tag moved', async () => {
    const { s, pulls } = store(image('sha256:old'));
    const t = new TaskImages(s, 'always');
    await t.begin(['img'], () => undefined);
    const used = await t.get('img');
    const confirmed = t.confirm('img', used); // asks the registry, when nothing kicked it before
    pulls[0]?.resolve(image('sha256:new'));
    assert.equal(await confirmed, false);
    assert.equal((await t.get('img')).digest, 'sha256:new');
  });

  it('turns a failed pull into a pull failure, after the containers were made or before', async () => {
    const early = store(image('sha256:a'));
    const t = new TaskImages(early.s, 'always');
    await t.begin(['img'], () => undefined);
    t.kick();
    early.pulls[0]?.reject(new Error('registry down'));
    await assert.rejects(t.confirm('img', image('sha256:a')), (e: unknown) => {
      assert.ok(e instanceof PullFailure);
      assert.equal(e.message, 'registry down', 'the puller’s words; the face names the failure');
      return true;
    });
    const none = store(undefined);
    const u = new TaskImages(none.s, 'default');
    const begun = u.begin(['img'], () => undefined);
    await tick();
    none.pulls[0]?.reject(new Error('no such image'));
    await assert.rejects(begun, (e: unknown) => e instanceof PullFailure && e.message === 'no such image');
  });

  it('waits for the pull when the behaviour does not ask the registry, or the image is not here', async () => {
    for (const [behavior, cached] of [
      ['once', image('sha256:a')],
      ['default', undefined],
    ] as const) {
      const { s, pulls } = store(cached);
      const t = new TaskImages(s, behavior);
      let begun = false;
      const b = t.begin(['img'], () => undefined).then(() => (begun = true));
      await tick();
      assert.equal(begun, false, behavior);
      pulls[0]?.resolve(image('sha256:b'));
      await b;
      assert.equal(await t.confirm('img', image('sha256:b')), true);
      assert.equal(t.digestOf('img'), 'sha256:b');
    }
  });
});
