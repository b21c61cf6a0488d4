// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  InvalidLayerException,
  InvalidLayerPartException,
  LayerAlreadyExistsException,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { awsCli, startBerth, testCredentials, type BerthProcess } from './harness.js';
import { buildBusyboxImage, skopeo, type OciImage } from './images.js';

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('the ECR layer API through the SDK', () => {
  let berth: BerthProcess;
  let ecr: ECRClient;
  before(async () => {
    berth = await startBerth();
    ecr = new ECRClient({
      endpoint: berth.endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
      maxAttempts: 1,
    });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'layers' }));
  });
  after(() => berth.dispose());

  it('uploads a layer in parts, checks it, and serves it through a download link', async () => {
    const layer = randomBytes(300_000);
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers' }));
    const part = (first: number, last: number) =>
      new UploadLayerPartCommand({
        repositoryName: 'layers',
        uploadId,
        partFirstByte: first,
        partLastByte: last,
        layerPartBlob: layer.subarray(first, last + 1),
      });
    assert.equal((await ecr.send(part(0, 99_999))).lastByteReceived, 99_999);
    await assert.rejects(ecr.send(part(150_000, 199_999)), (e: unknown) => e instanceof InvalidLayerPartException);
    assert.equal((await ecr.send(part(100_000, 299_999))).lastByteReceived, 299_999);
    await assert.rejects(
      ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'layers', uploadId, layerDigests: [sha256('other')] })),
      (e: unknown) => e instanceof InvalidLayerException,
    );
    const done = await ecr.send(
      new CompleteLayerUploadCommand({ repositoryName: 'layers', uploadId, layerDigests: [sha256(layer)] }),
    );
    assert.equal(done.layerDigest, sha256(layer));
    const again = (await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'layers' }))).uploadId;
    await ecr.send(
      new UploadLayerPartCommand({
        repositoryName: 'layers',
        uploadId: again,
        partFirstByte: 0,
        partLastByte: layer.length - 1,
        layerPartBlob: layer,
      }),
    );
    await assert.rejects(
      ecr.send(
        new CompleteLayerUploadCommand({ repositoryName: 'layers', uploadId: again, layerDigests: [sha256(layer)] }),
      ),
      (e: unknown) => e instanceof LayerAlreadyExistsException,
    );
    const check = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: 'layers',
        layerDigests: [sha256(layer), sha256('absent'), 'nonsense'],
      }),
    );
    assert.deepEqual(
      check.layers?.map((l) => [l.layerDigest, l.layerAvailability, l.layerSize]),
      [[sha256(layer), 'AVAILABLE', 300_000]],
    );
    assert.deepEqual(
      check.failures?.map((f) => f.failureCode),
      ['MissingLayerDigest', 'InvalidLayerDigest'],
    );
    const { downloadUrl } = await ecr.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: 'layers', layerDigest: sha256(layer) }),
    );
    const res = await fetch(downloadUrl as string);
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(layer));
    const tampered = await fetch((downloadUrl as string).replace('layers/layers', 'layers/other'));
    assert.equal(tampered.status, 403);
  });
});

describe('garbage collection racing pushes', () => {
  let berth: BerthProcess;
  let images: OciImage[];
  before(async () => {
    [berth, ...images] = await Promise.all([
      startBerth({ args: ['--registry-gc-grace', '2'] }),
      ...[0, 1, 2].map((i) => buildBusyboxImage({ files: { '/etc/gc-race': String(i) } })),
    ]);
  });
  after(async () => {
    await berth.dispose();
    for (const i of images) i.dispose();
  });

  it('collects garbage while skopeo pushes, and every pushed image stays whole', async () => {
    const host = new URL(berth.endpoint).host;
    assert.equal((await awsCli(berth.endpoint, ['ecr', 'create-repository', '--repository-name', 'race'])).code, 0);
    const creds = `AWS:${(await awsCli(berth.endpoint, ['ecr', 'get-login-password'])).stdout.trim()}`;
    const auth = { authorization: `Basic ${Buffer.from(creds).toString('base64')}` };
    // Garbage: a blob pushed and then unlinked, old enough once the grace window passes.
    const junk = randomBytes(1000);
    await fetch(`${berth.endpoint}/v2/race/blobs/uploads/?digest=${sha256(junk)}`, {
      method: 'POST',
      headers: auth,
      body: junk,
    });
    await fetch(`${berth.endpoint}/v2/race/blobs/${sha256(junk)}`, { method: 'DELETE', headers: auth });
    await new Promise((r) => setTimeout(r, 2500));
    let collecting = true;
    const collected: string[] = [];
    const gc = (async () => {
      while (collecting) {
        const r = (await (await fetch(`${berth.endpoint}/_berth/registry/gc`, { method: 'POST' })).json()) as {
          blobs: string[];
        };
        collected.push(...r.blobs);
      }
    })();
    try {
      for (let round = 0; round < 2; round++) {
        await Promise.all(
          images.map(async (img, i) => {
            const r = await skopeo([
              'copy',
              '--dest-tls-verify=false',
              '--dest-creds',
              creds,
              img.ref,
              `docker://${host}/race:r${round}-${i}`,
            ]);
            assert.equal(r.code, 0, r.stderr);
          }),
        );
      }
    } finally {
      collecting = false;
      await gc;
    }
    assert.ok(collected.includes(sha256(junk)), 'the garbage was collected');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < images.length; i++) {
        const inspect = await skopeo([
          'inspect',
          '--tls-verify=false',
          '--creds',
          creds,
          `docker://${host}/race:r${round}-${i}`,
        ]);
        assert.equal(inspect.code, 0, inspect.stderr);
        for (const layer of JSON.parse(inspect.stdout).Layers as string[]) {
          const head = await fetch(`${berth.endpoint}/v2/race/blobs/${layer}`, { method: 'HEAD', headers: auth });
          assert.equal(head.status, 200, `layer ${layer} of r${round}-${i}`);
        }
      }
    }
  });
});
