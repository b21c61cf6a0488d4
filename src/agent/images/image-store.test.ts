import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { ImageStore } from './image-store.js';
import type { RegistryClient } from './registry-client.js';

const digest = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A one-layer image served by an in-memory registry twin that can be switched off. */
async function fixture(dir: string, text: string) {
  const src = join(dir, `src-${text}`);
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'hello.txt'), text);
  const layer = execFileSync('tar', ['-c', '-C', src, 'hello.txt']);
  const config = Buffer.from(
    JSON.stringify({ config: { Cmd: ['cat', '/hello.txt'] }, rootfs: { diff_ids: [digest(layer)] } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { digest: digest(config) },
      layers: [{ digest: digest(layer), mediaType: 'application/vnd.oci.image.layer.v1.tar' }],
    }),
  );
  return { layer, config, manifest };
}

test('pull behaviours and cleanup by age, use and disk pressure', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-images-'));
  try {
    const images = { 'r/a:1': await fixture(dir, 'a'), 'r/b:1': await fixture(dir, 'b') };
    let up = true;
    let manifestGets = 0;
    const blobs = new Map<string, Buffer>();
    for (const f of Object.values(images)) for (const b of [f.layer, f.config]) blobs.set(digest(b), b);
    const client = {
      manifest: async (_h: string, repo: string, ref: string) => {
        manifestGets++;
        if (!up) throw new Error('registry unreachable');
        const f = images[`${repo}:${ref}` as keyof typeof images];
        if (!f) throw new Error('not found');
        return { mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes: f.manifest };
      },
      blob: async (_h: string, _r: string, d: string) => Readable.from([blobs.get(d) as Buffer]),
    } as unknown as RegistryClient;
    const store = new ImageStore(join(dir, 'store'), client);
    const a = await store.pull('localhost:1/r/a:1');
    assert.equal(a.digest, digest(images['r/a:1'].manifest));
    assert.ok(existsSync(join(a.layers[0] as string, 'hello.txt')));

    up = false;
    await assert.rejects(store.pull('localhost:1/r/a:1', 'always'), /unreachable/);
    assert.equal((await store.pull('localhost:1/r/a:1', 'default')).digest, a.digest, 'default falls back to cache');
    const before = manifestGets;
    assert.equal((await store.pull('localhost:1/r/a:1', 'once')).digest, a.digest);
    assert.equal((await store.pull('localhost:1/r/a:1', 'prefer-cached')).digest, a.digest);
    assert.equal(manifestGets, before, 'once and prefer-cached do not ask the registry');
    await assert.rejects(store.pull('localhost:1/r/b:1', 'prefer-cached'), /unreachable/);
    up = true;
    const b = await store.pull('localhost:1/r/b:1');

    const base = { now: Date.now(), minimumAgeMs: 3_600_000, maxPerCycle: 5, diskPressure: false };
    assert.deepEqual(await store.cleanup({ ...base, inUse: new Set() }), [], 'young images stay');
    const later = { ...base, now: base.now + 2 * 3_600_000 };
    assert.deepEqual(await store.cleanup({ ...later, inUse: new Set(['localhost:1/r/a:1']) }), ['localhost:1/r/b:1']);
    assert.ok(!existsSync(b.layers[0] as string), "b's snapshot went with it");
    assert.ok(existsSync(a.layers[0] as string), "a's snapshot is in use and stays");
    assert.deepEqual(await store.cleanup({ ...base, diskPressure: true, inUse: new Set() }), ['localhost:1/r/a:1']);
    assert.deepEqual(await readdir(join(dir, 'store', 'snapshots')), []);
    up = false;
    await assert.rejects(store.pull('localhost:1/r/a:1', 'once'), /unreachable/, 'a removed image is pulled again');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
