import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { mintToken } from '../auth-token.js';
import { OCI_INDEX, OCI_MANIFEST } from '../media-types.js';
import { createRepository } from '../repositories.js';
import { testRegistryDeps } from '../test-deps.js';
import { registryPlugin } from './registry-plugin.js';

const sha256 = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const code = (body: string) => (JSON.parse(body) as { errors: { code: string }[] }).errors[0]?.code;

describe('OCI distribution API', () => {
  const deps = testRegistryDeps();
  let app: FastifyInstance;
  before(async () => {
    app = Fastify();
    await app.register(registryPlugin, {
      deps,
      auth: false,
      realm: 'http://localhost',
      gc: { graceMs: 0, uploadTtlMs: 0 },
    });
    for (const name of ['app', 'other', 'team/web', 'immutable']) {
      await createRepository(deps, {
        repositoryName: name,
        ...(name === 'immutable' ? { imageTagMutability: 'IMMUTABLE' } : {}),
      });
    }
  });
  after(async () => {
    await app.close();
    deps.dispose();
  });

  const pushBlob = async (repo: string, content: string) => {
    const r = await app.inject({
      method: 'POST',
      url: `/v2/${repo}/blobs/uploads/?digest=${sha256(content)}`,
      payload: content,
    });
    assert.equal(r.statusCode, 201, r.body);
    return sha256(content);
  };
  const imageManifest = (config: string, layers: string[], extra: object = {}) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: sha256(l),
        size: l.length,
      })),
      ...extra,
    });
  const pushImage = async (repo: string, ref: string, config = '{"os":"linux"}', layers = ['layer-a']) => {
    await pushBlob(repo, config);
    for (const l of layers) await pushBlob(repo, l);
    const body = imageManifest(config, layers);
    const r = await app.inject({
      method: 'PUT',
      url: `/v2/${repo}/manifests/${ref}`,
      headers: { 'content-type': OCI_MANIFEST },
      payload: body,
    });
    assert.equal(r.statusCode, 201, r.body);
    return { body, digest: sha256(body) };
  };

  it('answers the base check with the API version header', async () => {
    const r = await app.inject({ method: 'GET', url: '/v2/' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['docker-distribution-api-version'], 'registry/2.0');
  });

  it('takes a blob in one request and serves it whole, by HEAD and by range', async () => {
    const d = await pushBlob('app', 'hello registry');
    const head = await app.inject({ method: 'HEAD', url: `/v2/app/blobs/${d}` });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-length'], '14');
    assert.equal(head.headers['docker-content-digest'], d);
    const get = await app.inject({ method: 'GET', url: `/v2/app/blobs/${d}` });
    assert.equal(get.body, 'hello registry');
    const part = await app.inject({ method: 'GET', url: `/v2/app/blobs/${d}`, headers: { range: 'bytes=6-13' } });
    assert.equal(part.statusCode, 206);
    assert.equal(part.body, 'registry');
    assert.equal(part.headers['content-range'], 'bytes 6-13/14');
    const bad = await app.inject({ method: 'GET', url: `/v2/app/blobs/${d}`, headers: { range: 'bytes=50-60' } });
    assert.equal(bad.statusCode, 416);
    assert.equal(bad.headers['content-range'], 'bytes */14');
  });

  it('takes chunks in order, reports progress, refuses an out-of-order chunk with 416, then commits', async () => {
    const start = await app.inject({ method: 'POST', url: '/v2/team/web/blobs/uploads/' });
    assert.equal(start.statusCode, 202);
    const location = start.headers.location as string;
    assert.match(location, /^\/v2\/team\/web\/blobs\/uploads\/[0-9a-f-]{36}$/);
    assert.ok(start.headers['docker-upload-uuid']);
    const p1 = await app.inject({
      method: 'PATCH',
      url: location,
      headers: { 'content-range': '0-4', 'content-length': '5' },
      payload: 'hello',
    });
    assert.equal(p1.statusCode, 202);
    assert.equal(p1.headers.range, '0-4');
    const skip = await app.inject({
      method: 'PATCH',
      url: location,
      headers: { 'content-range': '10-14', 'content-length': '5' },
      payload: 'later',
    });
    assert.equal(skip.statusCode, 416);
    const status = await app.inject({ method: 'GET', url: location });
    assert.equal(status.statusCode, 204);
    assert.equal(status.headers.range, '0-4');
    await app.inject({
      method: 'PATCH',
      url: location,
      headers: { 'content-range': '5-10', 'content-length': '6' },
      payload: ' world',
    });
    const wrong = await app.inject({ method: 'PUT', url: `${location}?digest=${sha256('hello wrong')}` });
    assert.equal(wrong.statusCode, 400);
    assert.equal(code(wrong.body), 'DIGEST_INVALID');
    const done = await app.inject({ method: 'PUT', url: `${location}?digest=${sha256('hello world')}` });
    assert.equal(done.statusCode, 201);
    assert.equal(done.headers.location, `/v2/team/web/blobs/${sha256('hello world')}`);
    assert.equal(
      (await app.inject({ method: 'GET', url: `/v2/team/web/blobs/${sha256('hello world')}` })).body,
      'hello world',
    );
  });

  it('takes the last chunk with the closing PUT, and cancels uploads', async () => {
    const start = await app.inject({ method: 'POST', url: '/v2/app/blobs/uploads/' });
    const location = start.headers.location as string;
    const done = await app.inject({
      method: 'PUT',
      url: `${location}?digest=${sha256('in one go')}`,
      payload: 'in one go',
    });
    assert.equal(done.statusCode, 201);
    const other = (await app.inject({ method: 'POST', url: '/v2/app/blobs/uploads/' })).headers.location as string;
    assert.equal((await app.inject({ method: 'DELETE', url: other })).statusCode, 204);
    const gone = await app.inject({ method: 'GET', url: other });
    assert.equal(gone.statusCode, 404);
    assert.equal(code(gone.body), 'BLOB_UPLOAD_UNKNOWN');
  });

  it('refuses malformed digests with 400, never a server error', async () => {
    for (const url of [
      '/v2/app/blobs/sha256:xyz',
      '/v2/app/blobs/uploads/?digest=md5:abc',
      '/v2/app/manifests/sha256:short',
    ]) {
      const r = await app.inject({
        method: url.includes('uploads') ? 'POST' : 'GET',
        url,
        payload: url.includes('uploads') ? 'x' : undefined,
      });
      assert.equal(r.statusCode, 400, url);
      assert.equal(code(r.body), 'DIGEST_INVALID', url);
    }
  });

  it('mounts a blob from another repository, or starts an upload when it cannot', async () => {
    const d = await pushBlob('other', 'shared layer');
    const unknown = await app.inject({ method: 'GET', url: `/v2/app/blobs/${d}` });
    assert.equal(unknown.statusCode, 404);
    assert.equal(code(unknown.body), 'BLOB_UNKNOWN');
    const mounted = await app.inject({ method: 'POST', url: `/v2/app/blobs/uploads/?mount=${d}&from=other` });
    assert.equal(mounted.statusCode, 201);
    assert.equal((await app.inject({ method: 'GET', url: `/v2/app/blobs/${d}` })).body, 'shared layer');
    const fallback = await app.inject({ method: 'POST', url: `/v2/team/web/blobs/uploads/?mount=${d}&from=team/web` });
    assert.equal(fallback.statusCode, 202);
  });

  it('stores manifests byte for byte, negotiates Accept, and refuses what references unknown blobs', async () => {
    const missing = await app.inject({
      method: 'PUT',
      url: '/v2/app/manifests/broken',
      headers: { 'content-type': OCI_MANIFEST },
      payload: imageManifest('{"never":"pushed"}', []),
    });
    assert.equal(missing.statusCode, 400);
    assert.equal(code(missing.body), 'MANIFEST_BLOB_UNKNOWN');
    const { body, digest } = await pushImage('app', 'v1');
    const get = await app.inject({
      method: 'GET',
      url: '/v2/app/manifests/v1',
      headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` },
    });
    assert.equal(get.statusCode, 200);
    assert.equal(get.body, body);
    assert.equal(get.headers['docker-content-digest'], digest);
    assert.equal(get.headers['content-type'], OCI_MANIFEST);
    const byDigest = await app.inject({ method: 'HEAD', url: `/v2/app/manifests/${digest}` });
    assert.equal(byDigest.headers['content-length'], String(body.length));
    const refused = await app.inject({
      method: 'GET',
      url: '/v2/app/manifests/v1',
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(refused.statusCode, 404);
    assert.equal(code(refused.body), 'MANIFEST_UNKNOWN');
  });

  it('validates manifests: digest references, tags, JSON, media types', async () => {
    const body = imageManifest('{"os":"linux"}', ['layer-a']);
    const cases: [string, Record<string, string>, string, string][] = [
      [`/v2/app/manifests/${sha256('something else')}`, { 'content-type': OCI_MANIFEST }, body, 'DIGEST_INVALID'],
      ['/v2/app/manifests/-bad-tag', { 'content-type': OCI_MANIFEST }, body, 'TAG_INVALID'],
      ['/v2/app/manifests/v2', { 'content-type': OCI_MANIFEST }, '{not json', 'MANIFEST_INVALID'],
      ['/v2/app/manifests/v2', { 'content-type': OCI_INDEX }, body, 'MANIFEST_INVALID'],
      [
        '/v2/app/manifests/v2',
        { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
        '{"schemaVersion":1}',
        'MANIFEST_INVALID',
      ],
    ];
    for (const [url, headers, payload, expected] of cases) {
      const r = await app.inject({ method: 'PUT', url, headers, payload });
      assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
      assert.equal(code(r.body), expected, url);
    }
  });

  it('accepts an index only when its child manifests are present', async () => {
    const child = await pushImage('app', 'child', '{"arch":"arm64"}', ['arm-layer']);
    const index = (digests: string[]) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: digests.map((d) => ({ mediaType: OCI_MANIFEST, digest: d, size: 10 })),
      });
    const bad = await app.inject({
      method: 'PUT',
      url: '/v2/app/manifests/multi',
      headers: { 'content-type': OCI_INDEX },
      payload: index([sha256('nope')]),
    });
    assert.equal(code(bad.body), 'MANIFEST_BLOB_UNKNOWN');
    const ok = await app.inject({
      method: 'PUT',
      url: '/v2/app/manifests/multi',
      headers: { 'content-type': OCI_INDEX },
      payload: index([child.digest]),
    });
    assert.equal(ok.statusCode, 201);
  });

  it('keeps immutable tags where they are', async () => {
    await pushImage('immutable', 'v1');
    await pushImage('immutable', 'v1'); // the same image again is fine
    await pushBlob('immutable', 'different');
    const r = await app.inject({
      method: 'PUT',
      url: '/v2/immutable/manifests/v1',
      headers: { 'content-type': OCI_MANIFEST },
      payload: imageManifest('{"os":"linux"}', ['layer-a', 'different']),
    });
    assert.equal(r.statusCode, 400);
    assert.equal(code(r.body), 'TAG_INVALID');
  });

  it('lists tags in pages with Link, and the catalog', async () => {
    for (const t of ['a', 'b', 'c']) await pushImage('team/web', t);
    const first = await app.inject({ method: 'GET', url: '/v2/team/web/tags/list?n=2' });
    assert.deepEqual(JSON.parse(first.body), { name: 'team/web', tags: ['a', 'b'] });
    assert.equal(first.headers.link, '</v2/team/web/tags/list?n=2&last=b>; rel="next"');
    const second = await app.inject({ method: 'GET', url: '/v2/team/web/tags/list?n=2&last=b' });
    assert.deepEqual(JSON.parse(second.body).tags, ['c']);
    assert.equal(second.headers.link, undefined);
    const cat = await app.inject({ method: 'GET', url: '/v2/_catalog' });
    assert.deepEqual(JSON.parse(cat.body).repositories, ['app', 'immutable', 'other', 'team/web']);
  });

  it('serves referrers, filtered by artifact type, and says OCI-Subject on push', async () => {
    const subject = await pushImage('app', 'signed');
    await pushBlob('app', '{}');
    const artifact = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.sbom',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 },
      layers: [],
      subject: { mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.body.length },
    });
    const put = await app.inject({
      method: 'PUT',
      url: `/v2/app/manifests/${sha256(artifact)}`,
      headers: { 'content-type': OCI_MANIFEST },
      payload: artifact,
    });
    assert.equal(put.statusCode, 201);
    assert.equal(put.headers['oci-subject'], subject.digest);
    const all = await app.inject({ method: 'GET', url: `/v2/app/referrers/${subject.digest}` });
    assert.equal(all.headers['content-type'], OCI_INDEX);
    const index = JSON.parse(all.body) as { manifests: { digest: string; artifactType: string }[] };
    assert.deepEqual(
      index.manifests.map((m) => [m.digest, m.artifactType]),
      [[sha256(artifact), 'application/vnd.example.sbom']],
    );
    const filtered = await app.inject({
      method: 'GET',
      url: `/v2/app/referrers/${subject.digest}?artifactType=application/other`,
    });
    assert.deepEqual(JSON.parse(filtered.body).manifests, []);
    assert.equal(filtered.headers['oci-filters-applied'], 'artifactType');
  });

  it('deletes by tag and by digest', async () => {
    const img = await pushImage('other', 'gone');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v2/other/manifests/gone' })).statusCode, 202);
    assert.equal(code((await app.inject({ method: 'GET', url: '/v2/other/manifests/gone' })).body), 'MANIFEST_UNKNOWN');
    assert.equal((await app.inject({ method: 'GET', url: `/v2/other/manifests/${img.digest}` })).statusCode, 200);
    assert.equal((await app.inject({ method: 'DELETE', url: `/v2/other/manifests/${img.digest}` })).statusCode, 202);
    assert.equal((await app.inject({ method: 'GET', url: `/v2/other/manifests/${img.digest}` })).statusCode, 404);
  });

  it('names unknown and invalid repositories', async () => {
    const unknown = await app.inject({ method: 'GET', url: '/v2/nothing/tags/list' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(code(unknown.body), 'NAME_UNKNOWN');
    const invalid = await app.inject({ method: 'GET', url: '/v2/UPPER/tags/list' });
    assert.equal(invalid.statusCode, 400);
    assert.equal(code(invalid.body), 'NAME_INVALID');
  });
});

describe('OCI distribution API with create-on-push', () => {
  const deps = testRegistryDeps({ createOnPush: true });
  let app: FastifyInstance;
  before(async () => {
    app = Fastify();
    await app.register(registryPlugin, {
      deps,
      auth: false,
      realm: 'http://localhost',
      gc: { graceMs: 0, uploadTtlMs: 0 },
    });
  });
  after(async () => {
    await app.close();
    deps.dispose();
  });

  it('answers referrers of a repository a push would create with an empty index, not 404', async () => {
    const r = await app.inject({ method: 'GET', url: `/v2/not-yet/referrers/${sha256('x')}` });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
  });

  it('answers a GET or HEAD of a manifest by a tag no push could make with 404 MANIFEST_UNKNOWN', async () => {
    await createRepository(deps, { repositoryName: 'exists' });
    for (const method of ['GET', 'HEAD'] as const) {
      const r = await app.inject({ method, url: '/v2/exists/manifests/-not-a-tag' });
      assert.equal(r.statusCode, 404, method);
      if (method === 'GET') assert.equal(code(r.body), 'MANIFEST_UNKNOWN');
    }
  });
});

describe('registry authentication', () => {
  const deps = testRegistryDeps();
  let app: FastifyInstance;
  before(async () => {
    app = Fastify();
    await app.register(registryPlugin, {
      deps,
      auth: true,
      realm: 'http://localhost:4566',
      gc: { graceMs: 0, uploadTtlMs: 0 },
    });
  });
  after(async () => {
    await app.close();
    deps.dispose();
  });
  const basic = (token: string) => ({ authorization: `Basic ${token}` });

  it('challenges requests without credentials', async () => {
    const r = await app.inject({ method: 'GET', url: '/v2/' });
    assert.equal(r.statusCode, 401);
    assert.equal(r.headers['www-authenticate'], 'Basic realm="http://localhost:4566",service="ecr.amazonaws.com"');
    assert.equal(code(r.body), 'UNAUTHORIZED');
  });

  it('accepts the ECR token until it expires 12 hours later, and nothing forged', async () => {
    const { authorizationToken } = mintToken(deps);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/v2/', headers: basic(authorizationToken) })).statusCode,
      200,
    );
    const [, password] = Buffer.from(authorizationToken, 'base64').toString().split(':') as [string, string];
    const forged = Buffer.from(`AWS:${password.slice(0, -2)}xx`).toString('base64');
    assert.equal((await app.inject({ method: 'GET', url: '/v2/', headers: basic(forged) })).statusCode, 401);
    const wrongUser = Buffer.from(`admin:${password}`).toString('base64');
    assert.equal((await app.inject({ method: 'GET', url: '/v2/', headers: basic(wrongUser) })).statusCode, 401);
    deps.clock.advance(12 * 60 * 60 * 1000 + 1);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/v2/', headers: basic(authorizationToken) })).statusCode,
      401,
    );
  });
});
