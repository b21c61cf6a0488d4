// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsCli, startBerth, type BerthProcess } from './harness.js';

const sha256 = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('ECR lifecycle policies through the AWS CLI', () => {
  let berth: BerthProcess;
  let auth: Record<string, string>;
  const tmp = mkdtempSync(join(tmpdir(), 'berth-lifecycle-'));
  const cli = async (args: string[]) => {
    const r = await awsCli(berth.endpoint, args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
  };
  const push = async (ref: string, body: string, contentType = 'application/octet-stream', method = 'POST') => {
    const url =
      method === 'POST'
        ? `${berth.endpoint}/v2/life/blobs/uploads/?digest=${sha256(body)}`
        : `${berth.endpoint}/v2/life/manifests/${ref}`;
    const r = await fetch(url, { method, headers: { ...auth, 'content-type': contentType }, body });
    assert.equal(r.status, 201, await r.text());
  };
  const pushImage = async (n: number, tag?: string) => {
    const config = JSON.stringify({ n });
    await push('', config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256('shared layer'), size: 12 }],
    });
    await push(tag ?? sha256(manifest), manifest, OCI_MANIFEST, 'PUT');
    return sha256(manifest);
  };

  before(async () => {
    berth = await startBerth();
    const pw = await awsCli(berth.endpoint, ['ecr', 'get-login-password']);
    auth = { authorization: `Basic ${Buffer.from(`AWS:${pw.stdout.trim()}`).toString('base64')}` };
    await cli(['ecr', 'create-repository', '--repository-name', 'life']);
    await push('', 'shared layer');
    // Oldest first: ten release images, ten dev images, ten untagged ones.
    for (let i = 0; i < 10; i++) await pushImage(i, `release-${i}`);
    for (let i = 0; i < 10; i++) await pushImage(10 + i, `dev-${i}`);
    for (let i = 0; i < 10; i++) await pushImage(20 + i);
  });
  after(async () => {
    await berth.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  const policy = JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: 'keep five releases',
        selection: { tagStatus: 'tagged', tagPrefixList: ['release'], countType: 'imageCountMoreThan', countNumber: 5 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: 'keep ten of the rest',
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
        action: { type: 'expire' },
      },
    ],
  });

  it('refuses an invalid policy, naming the problem', async () => {
    const bad = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        },
      ],
    });
    const r = await awsCli(berth.endpoint, [
      'ecr',
      'put-lifecycle-policy',
      '--repository-name',
      'life',
      '--lifecycle-policy-text',
      bad,
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /InvalidParameterException.*tagPrefixList or tagPatternList is required/);
  });

  it('previews what the policy expires, and the waiter sees it complete', async () => {
    const file = join(tmp, 'policy.json');
    writeFileSync(file, policy);
    await cli([
      'ecr',
      'put-lifecycle-policy',
      '--repository-name',
      'life',
      '--lifecycle-policy-text',
      `file://${file}`,
    ]);
    const started = await cli(['ecr', 'start-lifecycle-policy-preview', '--repository-name', 'life']);
    assert.equal(started.status, 'IN_PROGRESS');
    const wait = await awsCli(berth.endpoint, [
      'ecr',
      'wait',
      'lifecycle-policy-preview-complete',
      '--repository-name',
      'life',
    ]);
    assert.equal(wait.code, 0, wait.stderr);
    const preview = await cli(['ecr', 'get-lifecycle-policy-preview', '--repository-name', 'life']);
    const results = preview.previewResults as { imageTags?: string[]; appliedRulePriority: number }[];
    assert.equal((preview.summary as { expiringImageTotalCount: number }).expiringImageTotalCount, 15);
    const byRule = (p: number) =>
      results
        .filter((r) => r.appliedRulePriority === p)
        .map((r) => r.imageTags?.[0])
        .sort();
    assert.deepEqual(byRule(1), ['release-0', 'release-1', 'release-2', 'release-3', 'release-4']);
    assert.deepEqual(byRule(2), Array.from({ length: 10 }, (_, i) => `dev-${i}`).sort());
    const listed = await cli(['ecr', 'list-images', '--repository-name', 'life']);
    assert.equal((listed.imageIds as unknown[]).length, 30, 'a preview expires nothing');
  });

  it('expires exactly the previewed images when the policy runs', async () => {
    const run = await fetch(`${berth.endpoint}/_berth/registry/lifecycle`, { method: 'POST' });
    assert.equal(run.status, 200);
    const listed = await cli(['ecr', 'describe-images', '--repository-name', 'life']);
    const details = listed.imageDetails as { imageTags?: string[] }[];
    assert.equal(details.length, 15);
    const tags = details.flatMap((d) => d.imageTags ?? []).sort();
    assert.deepEqual(tags, ['release-5', 'release-6', 'release-7', 'release-8', 'release-9']);
    assert.equal(details.filter((d) => !d.imageTags).length, 10);
    const got = await cli(['ecr', 'get-lifecycle-policy', '--repository-name', 'life']);
    assert.ok(got.lastEvaluatedAt, 'lastEvaluatedAt is set once the policy has run');
  });
});
