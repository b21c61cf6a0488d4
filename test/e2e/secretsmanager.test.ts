// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsCli, startBerth, testCredentials, type BerthProcess } from './harness.js';

describe('Secrets Manager, with the AWS CLI and the SDK', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-secrets-'));
  let berth: BerthProcess | undefined;
  after(async () => {
    await berth?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const aws = async (args: string[]) => {
    const r = await awsCli((berth as BerthProcess).endpoint, ['secretsmanager', ...args]);
    return { ...r, json: r.code === 0 && r.stdout ? JSON.parse(r.stdout) : undefined };
  };

  it('creates, versions, lists, deletes and restores secrets; values survive a restart, sealed on disk', async () => {
    berth = await startBerth({ dataDir, keepDataDir: true });
    const first = '{"user":"app","password":"first-pass-zebra"}';
    const created = await aws([
      'create-secret',
      '--name',
      'prod/db',
      '--secret-string',
      first,
      '--tags',
      'Key=team,Value=shop',
    ]);
    assert.match(created.json.ARN, /^arn:aws:secretsmanager:us-east-1:000000000000:secret:prod\/db-[A-Za-z0-9]{6}$/);
    const dup = await aws(['create-secret', '--name', 'prod/db', '--secret-string', 'x']);
    assert.match(dup.stderr, /ResourceExistsException/);
    const put = await aws([
      'put-secret-value',
      '--secret-id',
      created.json.ARN,
      '--secret-string',
      '{"password":"second"}',
    ]);
    assert.deepEqual(put.json.VersionStages, ['AWSCURRENT']);
    const previous = await aws(['get-secret-value', '--secret-id', 'prod/db', '--version-stage', 'AWSPREVIOUS']);
    assert.equal(previous.json.SecretString, first);
    assert.equal(previous.json.VersionId, created.json.VersionId);
    const described = await aws(['describe-secret', '--secret-id', 'prod/db']);
    assert.deepEqual(described.json.VersionIdsToStages, {
      [created.json.VersionId]: ['AWSPREVIOUS'],
      [put.json.VersionId]: ['AWSCURRENT'],
    });
    assert.deepEqual(described.json.Tags, [{ Key: 'team', Value: 'shop' }]);

    const sdk = new SecretsManagerClient({
      endpoint: berth.endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
    });
    await sdk.send(new CreateSecretCommand({ Name: 'blob', SecretBinary: new Uint8Array([0, 255, 7]) }));
    const bin = await sdk.send(new GetSecretValueCommand({ SecretId: 'blob' }));
    assert.deepEqual([...(bin.SecretBinary ?? [])], [0, 255, 7]);
    sdk.destroy();

    const listed = await aws(['list-secrets', '--filters', 'Key=name,Values=prod']);
    assert.deepEqual(
      listed.json.SecretList.map((s: { Name: string }) => s.Name),
      ['prod/db'],
    );
    const deleted = await aws(['delete-secret', '--secret-id', 'prod/db', '--recovery-window-in-days', '7']);
    assert.ok(deleted.json.DeletionDate > Date.now() / 1000 + 6 * 86400);
    const refused = await aws(['get-secret-value', '--secret-id', 'prod/db']);
    assert.match(refused.stderr, /InvalidRequestException.*marked for deletion/);
    assert.equal((await aws(['restore-secret', '--secret-id', 'prod/db'])).code, 0);
    const missing = await aws(['get-secret-value', '--secret-id', 'nothere']);
    assert.match(missing.stderr, /ResourceNotFoundException.*can't find the specified secret/);

    await berth.dispose();
    const clear = readdirSync(dataDir).filter(
      (f) => statSync(join(dataDir, f)).isFile() && readFileSync(join(dataDir, f)).includes('first-pass-zebra'),
    );
    assert.deepEqual(clear, [], 'no file in the data directory holds the value in the clear');
    berth = await startBerth({ dataDir, keepDataDir: true });
    const again = await aws(['get-secret-value', '--secret-id', 'prod/db', '--version-id', created.json.VersionId]);
    assert.equal(again.json.SecretString, first, 'the data directory’s key opens it after a restart');
  });
});
