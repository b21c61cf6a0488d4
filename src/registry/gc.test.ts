import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDigest } from '../blob/digest.js';
import { blobPaths } from '../blob/paths.js';
import { completeUpload, putBlob, startUpload, appendUpload, unlinkBlob } from './blobs.js';
import { collectGarbage } from './gc.js';
import { deleteManifest, putManifest, readManifestBytes, resolveManifest } from './manifests.js';
import { OCI_MANIFEST } from './media-types.js';
import { createRepository } from './repositories.js';
import { testRegistryDeps } from './test-deps.js';

const sha256 = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const HOUR = 3_600_000;

describe('registry garbage collection', () => {
  const deps = testRegistryDeps();
  before(() => createRepository(deps, { repositoryName: 'app' }));
  after(() => deps.dispose());
  const paths = blobPaths(deps.blobRoot);

  const age = (digest: string, ms: number) => {
    const t = new Date(Date.now() - ms);
    utimesSync(paths.content(parseDigest(digest)), t, t);
  };
  const pushImage = async (tag: string, layer: string) => {
    const config = `{"tag":"${tag}"}`;
    await putBlob(deps, 'app', sha256(config), [Buffer.from(config)]);
    await putBlob(deps, 'app', sha256(layer), [Buffer.from(layer)]);
    const m = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
    });
    return (await putManifest(deps, 'app', tag, OCI_MANIFEST, Buffer.from(m))).digest;
  };

  it('collects unreferenced blobs past the grace window and keeps everything an image needs', async () => {
    const kept = await pushImage('kept', 'layer-kept');
    const dropped = await pushImage('dropped', 'layer-dropped');
    await deleteManifest(deps, 'app', dropped);
    await putBlob(deps, 'app', sha256('orphan'), [Buffer.from('orphan')]);
    await unlinkBlob(deps, 'app', sha256('orphan'));
    const young = await collectGarbage(deps, { graceMs: HOUR, uploadTtlMs: 24 * HOUR });
    assert.deepEqual(young.blobs, [], 'nothing is collected inside the grace window');
    deps.clock.advance(2 * HOUR);
    for (const d of [sha256('orphan'), sha256('layer-dropped'), sha256('{"tag":"dropped"}'), dropped]) age(d, 2 * HOUR);
    const report = await collectGarbage(deps, { graceMs: HOUR, uploadTtlMs: 24 * HOUR });
    assert.deepEqual(
      report.blobs.sort(),
      [sha256('orphan'), sha256('layer-dropped'), sha256('{"tag":"dropped"}'), dropped].sort(),
    );
    assert.equal(report.links, 2);
    const rec = resolveManifest(deps, 'app', 'kept');
    assert.equal(rec.digest, kept);
    assert.ok((await readManifestBytes(deps, rec)).length > 0);
    assert.ok(await deps.blobs.stat(parseDigest(sha256('layer-kept'))));
  });

  it('loses nothing to a collection racing a stream of pushes', async () => {
    for (let i = 0; i < 5; i++) {
      await putBlob(deps, 'app', sha256(`garbage-${i}`), [Buffer.from(`garbage-${i}`)]);
      await unlinkBlob(deps, 'app', sha256(`garbage-${i}`));
      age(sha256(`garbage-${i}`), 2 * HOUR);
    }
    const pushes = (async () => {
      const digests: string[] = [];
      for (let i = 0; i < 20; i++) digests.push(await pushImage(`race-${i}`, `shared-${i % 3}`));
      return digests;
    })();
    const collections = Promise.all(
      [0, 1, 2].map(() => collectGarbage(deps, { graceMs: HOUR, uploadTtlMs: 24 * HOUR })),
    );
    const [digests, reports] = await Promise.all([pushes, collections]);
    for (let i = 0; i < 20; i++) {
      const rec = resolveManifest(deps, 'app', `race-${i}`);
      assert.equal(rec.digest, digests[i]);
      for (const b of rec.blobs)
        assert.ok(await deps.blobs.stat(parseDigest(b.digest)), `blob ${b.digest} of race-${i}`);
    }
    const collected = reports.flatMap((r) => r.blobs);
    for (let i = 0; i < 5; i++) assert.ok(collected.includes(sha256(`garbage-${i}`)));
  });

  it('abandons upload sessions left past their time to live', async () => {
    const u = await startUpload(deps, 'app');
    await appendUpload(deps, 'app', u.id, [Buffer.from('half')]);
    const t = new Date(Date.now() - 48 * HOUR);
    utimesSync(paths.upload(u.id), t, t);
    const report = await collectGarbage(deps, { graceMs: HOUR, uploadTtlMs: 24 * HOUR });
    assert.deepEqual(report.uploads, [u.id]);
    await assert.rejects(completeUpload(deps, 'app', u.id, sha256('half')), /not known/);
  });

  it('removes monolithic ingests a killed process left half written, and only old ones', async () => {
    const dead = join(paths.tmp, 'killed-mid-upload');
    const live = join(paths.tmp, 'in-flight');
    writeFileSync(dead, 'partial bytes');
    writeFileSync(live, 'still arriving');
    const t = new Date(Date.now() - 20 * 60_000);
    utimesSync(dead, t, t);
    const report = await collectGarbage(deps, { graceMs: HOUR, uploadTtlMs: 24 * HOUR });
    assert.equal(report.temporary, 1);
    assert.equal(existsSync(dead), false);
    assert.equal(existsSync(live), true);
  });
});
