// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageTagAlreadyExistsException,
  ListImagesCommand,
  PutImageCommand,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { awsCli, startBerth, testCredentials, type BerthProcess } from './harness.js';
import { buildBusyboxImage, skopeo, type OciImage } from './images.js';

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('ECR registry with real clients', () => {
  let berth: BerthProcess;
  let host: string;
  let password: string;
  let image: OciImage;
  let ecr: ECRClient;
  before(async () => {
    [berth, image] = await Promise.all([startBerth(), buildBusyboxImage({ files: { '/etc/berth-e2e': 'registry' } })]);
    host = new URL(berth.endpoint).host;
    ecr = new ECRClient({
      endpoint: berth.endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
      maxAttempts: 1,
    });
    const login = await awsCli(berth.endpoint, ['ecr', 'get-login-password']);
    assert.equal(login.code, 0, login.stderr);
    password = login.stdout.trim();
  });
  after(async () => {
    await berth.dispose();
    image.dispose();
  });
  const creds = () => `AWS:${password}`;

  it('pushes with skopeo and pulls back the same digest', async () => {
    const created = await awsCli(berth.endpoint, ['ecr', 'create-repository', '--repository-name', 'e2e/busybox']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).repository.repositoryUri, `${host}/e2e/busybox`);
    const push = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      creds(),
      image.ref,
      `docker://${host}/e2e/busybox:v1`,
    ]);
    assert.equal(push.code, 0, push.stderr);
    const sourceDigest = (
      JSON.parse(readFileSync(join(image.dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }
    ).manifests[0]?.digest;
    const out = mkdtempSync(join(tmpdir(), 'berth-pull-'));
    try {
      const pull = await skopeo([
        'copy',
        '--src-tls-verify=false',
        '--src-creds',
        creds(),
        `docker://${host}/e2e/busybox:v1`,
        `oci:${out}:v1`,
      ]);
      assert.equal(pull.code, 0, pull.stderr);
      const pulledDigest = (
        JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }
      ).manifests[0]?.digest;
      assert.equal(pulledDigest, sourceDigest);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: 'e2e/busybox' }));
    assert.equal(described.imageDetails?.[0]?.imageDigest, sourceDigest);
    assert.deepEqual(described.imageDetails?.[0]?.imageTags, ['v1']);
    assert.ok((described.imageDetails?.[0]?.imageSizeInBytes ?? 0) > 500_000, 'busybox layer size is reported');
  });

  it('refuses a wrong token and no token', async () => {
    const wrong = await skopeo([
      'inspect',
      '--tls-verify=false',
      '--creds',
      'AWS:not-a-token',
      `docker://${host}/e2e/busybox:v1`,
    ]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /unauthorized/i);
    const none = await fetch(`${berth.endpoint}/v2/`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
  });

  it('refuses a push to a repository that does not exist, as ECR does', async () => {
    const r = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      creds(),
      image.ref,
      `docker://${host}/no/such:v1`,
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /name unknown.*does not exist/i);
  });

  it('serves the image API to the SDK: list, batch-get, put-image, batch-delete', async () => {
    const listed = await ecr.send(new ListImagesCommand({ repositoryName: 'e2e/busybox' }));
    const digest = listed.imageIds?.[0]?.imageDigest as string;
    const got = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'e2e/busybox',
        imageIds: [{ imageTag: 'v1' }, { imageTag: 'missing' }],
      }),
    );
    assert.equal(got.images?.[0]?.imageId?.imageDigest, digest);
    assert.equal(sha256(got.images?.[0]?.imageManifest as string), digest, 'the manifest bytes are the pushed bytes');
    assert.equal(got.failures?.[0]?.failureCode, 'ImageNotFound');
    const manifest = got.images?.[0]?.imageManifest as string;
    await ecr.send(new PutImageCommand({ repositoryName: 'e2e/busybox', imageManifest: manifest, imageTag: 'stable' }));
    const tags = (
      await ecr.send(new DescribeImagesCommand({ repositoryName: 'e2e/busybox', imageIds: [{ imageDigest: digest }] }))
    ).imageDetails?.[0]?.imageTags;
    assert.deepEqual(tags?.sort(), ['stable', 'v1']);
    const del = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'e2e/busybox', imageIds: [{ imageTag: 'stable' }] }),
    );
    assert.deepEqual(del.imageIds, [{ imageDigest: digest, imageTag: 'stable' }]);
    assert.equal((await ecr.send(new ListImagesCommand({ repositoryName: 'e2e/busybox' }))).imageIds?.length, 1);
  });

  it('keeps immutable tags and refuses to delete a non-empty repository unless forced', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'e2e/frozen', imageTagMutability: 'IMMUTABLE' }));
    const push = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      creds(),
      image.ref,
      `docker://${host}/e2e/frozen:v1`,
    ]);
    assert.equal(push.code, 0, push.stderr);
    const other = await buildBusyboxImage({ files: { '/etc/other': String(Math.random()) } });
    try {
      const again = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        creds(),
        other.ref,
        `docker://${host}/e2e/frozen:v1`,
      ]);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /tag invalid|cannot be overwritten/i);
    } finally {
      other.dispose();
    }
    const manifest = (
      await ecr.send(new BatchGetImageCommand({ repositoryName: 'e2e/frozen', imageIds: [{ imageTag: 'v1' }] }))
    ).images?.[0]?.imageManifest as string;
    await assert.rejects(
      ecr.send(
        new PutImageCommand({
          repositoryName: 'e2e/frozen',
          imageManifest: manifest.replace('}', ',"annotations":{"x":"y"}}'),
          imageTag: 'v1',
        }),
      ),
      (e: unknown) => e instanceof ImageTagAlreadyExistsException,
    );
    await assert.rejects(
      ecr.send(new DeleteRepositoryCommand({ repositoryName: 'e2e/frozen' })),
      (e: unknown) => e instanceof RepositoryNotEmptyException,
    );
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'e2e/frozen', force: true }));
    await assert.rejects(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['e2e/frozen'] })),
      (e: unknown) => e instanceof RepositoryNotFoundException,
    );
  });

  it('keeps repository settings: policies, tags, pagination', async () => {
    for (const n of ['page/a', 'page/b', 'page/c']) {
      const r = await awsCli(berth.endpoint, [
        'ecr',
        'create-repository',
        '--repository-name',
        n,
        '--image-scanning-configuration',
        'scanOnPush=true',
        '--tags',
        'Key=team,Value=core',
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    const dup = await awsCli(berth.endpoint, ['ecr', 'create-repository', '--repository-name', 'page/a']);
    assert.match(dup.stderr, /RepositoryAlreadyExistsException/);
    const first = JSON.parse(
      (await awsCli(berth.endpoint, ['ecr', 'describe-repositories', '--max-items', '2'])).stdout,
    );
    assert.equal(first.repositories.length, 2);
    assert.ok(first.NextToken, 'the CLI paginates on our nextToken');
    const all = JSON.parse((await awsCli(berth.endpoint, ['ecr', 'describe-repositories'])).stdout);
    assert.ok(
      all.repositories.some(
        (r: { repositoryName: string; imageScanningConfiguration: { scanOnPush: boolean } }) =>
          r.repositoryName === 'page/c' && r.imageScanningConfiguration.scanOnPush,
      ),
    );
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'] }],
    });
    assert.equal(
      (
        await awsCli(berth.endpoint, [
          'ecr',
          'set-repository-policy',
          '--repository-name',
          'page/a',
          '--policy-text',
          policy,
        ])
      ).code,
      0,
    );
    assert.equal(
      JSON.parse((await awsCli(berth.endpoint, ['ecr', 'get-repository-policy', '--repository-name', 'page/a'])).stdout)
        .policyText,
      policy,
    );
    const badPolicy = await awsCli(berth.endpoint, [
      'ecr',
      'set-repository-policy',
      '--repository-name',
      'page/a',
      '--policy-text',
      'not json',
    ]);
    assert.match(badPolicy.stderr, /InvalidParameterException/);
    assert.equal(
      (await awsCli(berth.endpoint, ['ecr', 'delete-repository-policy', '--repository-name', 'page/a'])).code,
      0,
    );
    assert.match(
      (await awsCli(berth.endpoint, ['ecr', 'get-repository-policy', '--repository-name', 'page/a'])).stderr,
      /RepositoryPolicyNotFoundException/,
    );
    const arn = all.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'page/b')
      .repositoryArn as string;
    assert.equal(
      (await awsCli(berth.endpoint, ['ecr', 'tag-resource', '--resource-arn', arn, '--tags', 'Key=env,Value=dev']))
        .code,
      0,
    );
    assert.equal(
      (await awsCli(berth.endpoint, ['ecr', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'team'])).code,
      0,
    );
    assert.deepEqual(
      JSON.parse((await awsCli(berth.endpoint, ['ecr', 'list-tags-for-resource', '--resource-arn', arn])).stdout).tags,
      [{ Key: 'env', Value: 'dev' }],
    );
  });

  it('resumes an interrupted chunked upload after berth is killed with -9', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'e2e/resume' }));
    const content = randomBytes(3 * 1024 * 1024);
    const auth = { authorization: `Basic ${Buffer.from(creds()).toString('base64')}` };
    const start = await fetch(`${berth.endpoint}/v2/e2e/resume/blobs/uploads/`, { method: 'POST', headers: auth });
    assert.equal(start.status, 202);
    const location = start.headers.get('location') as string;
    const half = 1024 * 1024 + 17;
    const first = await fetch(`${berth.endpoint}${location}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-range': `0-${half - 1}`, 'content-type': 'application/octet-stream' },
      body: content.subarray(0, half),
    });
    assert.equal(first.status, 202);
    // Kill hard, then come back on the same data directory.
    const dataDir = berth.dataDir;
    berth.child.kill('SIGKILL');
    await berth.stop();
    berth = await startBerth({ dataDir });
    const endpoint = berth.endpoint;
    const status = await fetch(`${endpoint}${location}`, { headers: auth });
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${half - 1}`);
    const rest = await fetch(`${endpoint}${location}`, {
      method: 'PATCH',
      headers: {
        ...auth,
        'content-range': `${half}-${content.length - 1}`,
        'content-type': 'application/octet-stream',
      },
      body: content.subarray(half),
    });
    assert.equal(rest.status, 202);
    const wrong = await fetch(`${endpoint}${location}?digest=${sha256('not it')}`, { method: 'PUT', headers: auth });
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { errors: { code: string }[] }).errors[0]?.code, 'DIGEST_INVALID');
    const done = await fetch(`${endpoint}${location}?digest=${sha256(content)}`, { method: 'PUT', headers: auth });
    assert.equal(done.status, 201);
    const back = Buffer.from(
      await (await fetch(`${endpoint}/v2/e2e/resume/blobs/${sha256(content)}`, { headers: auth })).arrayBuffer(),
    );
    assert.ok(back.equals(content));
  });
});
