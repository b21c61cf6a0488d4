// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { FsBlobStore } from '../../src/blob/index.js';
import { systemClock } from '../../src/kernel/index.js';
import { registryPlugin, type RegistryDeps } from '../../src/registry/index.js';
import { EtcdStore } from '../../src/store/etcd/etcd-store.js';
import { startEtcdCluster, type EtcdCluster } from './etcd.js';
import { buildBusyboxImage, skopeo, type OciImage } from './images.js';

/**
 * Two registry servers over one etcd and one blob directory (the shared mount every server of a
 * team's berth has), as several `berth up --store etcd://…` will serve /v2: skopeo pushes
 * through one and pulls through the other.
 */
describe('two registry servers over one etcd and one blob directory', () => {
  let etcd: EtcdCluster;
  let image: OciImage;
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-etcd-'));
  const servers: { app: FastifyInstance; store: EtcdStore; host: string }[] = [];
  const tokenKey = randomBytes(32);

  before(async () => {
    [etcd, image] = await Promise.all([startEtcdCluster(1), buildBusyboxImage({ files: { '/etc/two': 'servers' } })]);
    const prefix = `/berth-${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 2; i++) {
      const store = await EtcdStore.open({ endpoints: etcd.endpoints, prefix });
      const deps: RegistryDeps = {
        store,
        blobs: new FsBlobStore(join(dir, 'blobs')),
        clock: systemClock,
        accountId: '000000000000',
        region: 'us-east-1',
        registryHost: '127.0.0.1',
        createOnPush: true,
        maxManifestSize: 4 * 1024 * 1024,
        tokenKey,
      };
      const app = Fastify();
      await app.register(registryPlugin, {
        deps,
        auth: false,
        realm: 'http://127.0.0.1',
        gc: { graceMs: 3_600_000, uploadTtlMs: 86_400_000 },
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      deps.registryHost = `127.0.0.1:${port}`;
      servers.push({ app, store, host: deps.registryHost });
    }
  });

  after(async () => {
    for (const s of servers) {
      await s.app.close();
      s.store.close();
    }
    await etcd?.stop();
    image?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pulls through one server what was pushed through the other, and sees a delete made on either', async () => {
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    const push = await skopeo(['copy', '--dest-tls-verify=false', image.ref, `docker://${a.host}/team/app:v1`]);
    assert.equal(push.code, 0, push.stderr);
    const digestOn = async (host: string) => {
      const r = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${host}/team/app:v1`]);
      return r.code === 0 ? r.stdout : `exit ${r.code}: ${r.stderr}`;
    };
    const raw = await digestOn(a.host);
    assert.match(raw, /"layers"/);
    assert.equal(await digestOn(b.host), raw, 'the same manifest through the other server');
    const out = mkdtempSync(join(dir, 'pulled-'));
    const pull = await skopeo(['copy', '--src-tls-verify=false', `docker://${b.host}/team/app:v1`, `oci:${out}:v1`]);
    assert.equal(pull.code, 0, pull.stderr);

    // A tag deleted through the second server is gone through the first.
    const tagDelete = await fetch(`http://${b.host}/v2/team/app/manifests/v1`, { method: 'DELETE' });
    assert.equal(tagDelete.status, 202);
    const gone = await fetch(`http://${a.host}/v2/team/app/manifests/v1`, { method: 'HEAD' });
    assert.equal(gone.status, 404);
  });
});
