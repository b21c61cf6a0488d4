// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsCli, startBerth, testCredentials, type BerthProcess } from './harness.js';

describe('SSM Parameter Store, with the AWS CLI and the SDK', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-ssm-'));
  let berth: BerthProcess | undefined;
  after(async () => {
    await berth?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const aws = async (args: string[]) => {
    const r = await awsCli((berth as BerthProcess).endpoint, ['ssm', ...args]);
    return { ...r, json: r.code === 0 && r.stdout ? JSON.parse(r.stdout) : undefined };
  };

  it('stores, versions, labels, lists and deletes parameters; a SecureString survives a restart, sealed on disk', async () => {
    berth = await startBerth({ dataDir, keepDataDir: true });
    const secret = 'correct-horse-battery-staple';
    const put = await aws([
      'put-parameter',
      '--name',
      '/shop/db/password',
      '--value',
      secret,
      '--type',
      'SecureString',
    ]);
    assert.deepEqual(put.json, { Version: 1, Tier: 'Standard' });
    await aws(['put-parameter', '--name', '/shop/db/host', '--value', 'db.internal', '--type', 'String']);
    await aws(['put-parameter', '--name', '/shop/flags', '--value', 'a,b,c', '--type', 'StringList']);
    const over = await aws(['put-parameter', '--name', '/shop/db/host', '--value', 'db2.internal', '--overwrite']);
    assert.equal(over.json.Version, 2);
    const exists = await aws(['put-parameter', '--name', '/shop/db/host', '--value', 'x', '--type', 'String']);
    assert.notEqual(exists.code, 0);
    assert.match(exists.stderr, /ParameterAlreadyExists/);

    const label = await aws([
      'label-parameter-version',
      '--name',
      '/shop/db/host',
      '--parameter-version',
      '1',
      '--labels',
      'stable',
    ]);
    assert.deepEqual(label.json, { InvalidLabels: [], ParameterVersion: 1 });
    const byLabel = await aws(['get-parameter', '--name', '/shop/db/host:stable']);
    assert.equal(byLabel.json.Parameter.Value, 'db.internal');
    assert.equal(byLabel.json.Parameter.Selector, ':stable');

    const tree = await aws(['get-parameters-by-path', '--path', '/shop', '--recursive', '--with-decryption']);
    assert.deepEqual(
      tree.json.Parameters.map((p: { Name: string; Value: string }) => [p.Name, p.Value]),
      [
        ['/shop/db/host', 'db2.internal'],
        ['/shop/db/password', secret],
        ['/shop/flags', 'a,b,c'],
      ],
    );
    const oneLevel = await aws(['get-parameters-by-path', '--path', '/shop']);
    assert.deepEqual(
      oneLevel.json.Parameters.map((p: { Name: string }) => p.Name),
      ['/shop/flags'],
    );
    // The SDK pages as SSM does (MaxResults 1, NextToken).
    const sdk = new SSMClient({ endpoint: berth.endpoint, region: 'us-east-1', credentials: testCredentials });
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await sdk.send(
        new GetParametersByPathCommand({ Path: '/shop', Recursive: true, MaxResults: 1, NextToken: token }),
      );
      names.push(...(page.Parameters ?? []).map((p) => p.Name as string));
      token = page.NextToken;
    } while (token);
    assert.deepEqual(names, ['/shop/db/host', '/shop/db/password', '/shop/flags']);
    sdk.destroy();

    const described = await aws(['describe-parameters', '--parameter-filters', 'Key=Type,Values=SecureString']);
    assert.deepEqual(
      described.json.Parameters.map((p: { Name: string; KeyId: string }) => [p.Name, p.KeyId]),
      [['/shop/db/password', 'alias/aws/ssm']],
    );
    const missing = await aws(['get-parameter', '--name', '/shop/none']);
    assert.match(missing.stderr, /ParameterNotFound/);

    // Nothing in the data directory holds the secret in the clear: not the database, not its WAL.
    await berth.dispose();
    berth = undefined;
    const clear = readdirSync(dataDir)
      .filter((f) => f.startsWith('berth.db'))
      .filter((f) => statSync(join(dataDir, f)).isFile() && readFileSync(join(dataDir, f)).includes(secret));
    assert.deepEqual(clear, []);

    berth = await startBerth({ dataDir, keepDataDir: true });
    const after = await aws(['get-parameter', '--name', '/shop/db/password', '--with-decryption']);
    assert.equal(after.json.Parameter.Value, secret, 'the data directory’s key opens it after a restart');
    const sealed = await aws(['get-parameter', '--name', '/shop/db/password']);
    assert.notEqual(sealed.json.Parameter.Value, secret);

    const history = await aws(['get-parameter-history', '--name', '/shop/db/host']);
    assert.deepEqual(
      history.json.Parameters.map((p: { Version: number; Labels: string[] }) => [p.Version, p.Labels]),
      [
        [1, ['stable']],
        [2, []],
      ],
    );
    const deleted = await aws(['delete-parameters', '--names', '/shop/flags', '/shop/nothing']);
    assert.deepEqual(deleted.json, { DeletedParameters: ['/shop/flags'], InvalidParameters: ['/shop/nothing'] });
  });
});
