import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore, localShared } from '../store/index.js';
import type { IamDeps } from './deps.js';
import { getSecretValue, listSecrets, moveSecretStage } from './secret-reads.js';
import { createSecret, deleteSecret, putSecretValue, restoreSecret, secretRecord } from './secrets.js';
import { Sealer } from './sealer.js';
import { secrets } from './tables.js';

function deps(): IamDeps & { advance(ms: number): void } {
  let t = Date.UTC(2026, 0, 1);
  return {
    store: localShared(new MemoryStore()),
    clock: { now: () => new Date(t) },
    accountId: '000000000000',
    region: 'us-east-1',
    sealer: Sealer.random(),
    advance: (ms) => (t += ms),
  };
}

const stages = (d: IamDeps, id: string) =>
  Object.fromEntries(d.store.read((tx) => secretRecord(d, tx, id)).versions.map((v) => [v.id, v.stages]));
const token = (n: number) => `token-${String(n).padStart(32, '0')}`;

describe('Secrets Manager secrets', () => {
  it('versions values: AWSCURRENT moves to the new one, AWSPREVIOUS to the one it left', async () => {
    const d = deps();
    const { record } = await createSecret(d, { name: 'db', token: token(1), value: { string: 'v1' } });
    assert.match(record.arn, /^arn:aws:secretsmanager:us-east-1:000000000000:secret:db-[A-Za-z0-9]{6}$/);
    await putSecretValue(d, 'db', { string: 'v2' }, token(2));
    await putSecretValue(d, record.arn, { string: 'v3' }, token(3));
    assert.deepEqual(stages(d, 'db'), { [token(1)]: [], [token(2)]: ['AWSPREVIOUS'], [token(3)]: ['AWSCURRENT'] });
    assert.deepEqual((await getSecretValue(d, 'db')).value, { string: 'v3' });
    assert.deepEqual((await getSecretValue(d, 'db', undefined, 'AWSPREVIOUS')).value, { string: 'v2' });
    assert.deepEqual((await getSecretValue(d, 'db', token(1))).value, { string: 'v1' });
    await assert.rejects(
      async () => getSecretValue(d, 'db', token(1), 'AWSCURRENT'),
      /can't find the specified secret value/,
    );
  });

  it('answers a retried request with the same version, and refuses the same token with another value', async () => {
    const d = deps();
    await createSecret(d, { name: 'db', token: token(1), value: { string: 'v1' } });
    const again = await createSecret(d, { name: 'db', token: token(1), value: { string: 'v1' } });
    assert.equal(again.versionId, token(1));
    await assert.rejects(
      async () => createSecret(d, { name: 'db', token: token(9), value: { string: 'v1' } }),
      /already exists/,
    );
    await putSecretValue(d, 'db', { string: 'v2' }, token(2));
    assert.equal((await putSecretValue(d, 'db', { string: 'v2' }, token(2))).version.id, token(2));
    await assert.rejects(async () => putSecretValue(d, 'db', { string: 'other' }, token(2)), /A resource with the ID/);
  });

  it('finds a secret by name, full ARN and partial ARN, and by nothing else', async () => {
    const d = deps();
    const { record } = await createSecret(d, { name: 'app/key', value: { binary: Buffer.from([0, 1, 2]) } });
    const partial = record.arn.slice(0, -7);
    for (const id of ['app/key', record.arn, partial])
      assert.deepEqual((await getSecretValue(d, id)).value, { binary: Buffer.from([0, 1, 2]) });
    await assert.rejects(async () => getSecretValue(d, `${partial}-zzzzzz`), /can't find the specified secret/);
    await assert.rejects(async () => getSecretValue(d, record.arn.replace('us-east-1', 'eu-west-1')), /can't find/);
  });

  it('keeps a deleted secret for its recovery window: refused meanwhile, restorable, then gone', async () => {
    const d = deps();
    await createSecret(d, { name: 'db', value: { string: 'v1' } });
    await assert.rejects(async () => deleteSecret(d, 'db', { recoveryWindowInDays: 3 }), /between 7 and 30/);
    await assert.rejects(
      async () => deleteSecret(d, 'db', { recoveryWindowInDays: 7, force: true }),
      /ForceDeleteWithoutRecovery/,
    );
    await deleteSecret(d, 'db', { recoveryWindowInDays: 7 });
    await assert.rejects(async () => getSecretValue(d, 'db'), /marked for deletion/);
    await assert.rejects(async () => createSecret(d, { name: 'db' }), /scheduled for deletion/);
    assert.deepEqual(listSecrets(d, {}), []);
    assert.equal(listSecrets(d, { includeDeleted: true }).length, 1);
    await restoreSecret(d, 'db');
    assert.deepEqual((await getSecretValue(d, 'db')).value, { string: 'v1' });
    await deleteSecret(d, 'db', { recoveryWindowInDays: 7 });
    d.advance(7 * 86_400_000 + 1);
    await assert.rejects(async () => getSecretValue(d, 'db'), /can't find the specified secret/);
    await createSecret(d, { name: 'db', value: { string: 'fresh' } });
    assert.deepEqual((await getSecretValue(d, 'db')).value, { string: 'fresh' });
  });

  it('moves stages only as AWS allows', async () => {
    const d = deps();
    await createSecret(d, { name: 'db', token: token(1), value: { string: 'v1' } });
    await putSecretValue(d, 'db', { string: 'v2' }, token(2), ['PENDING']);
    await assert.rejects(
      async () => moveSecretStage(d, 'db', 'AWSCURRENT', { moveTo: token(2) }),
      /RemoveFromVersionId can't be empty/,
    );
    await assert.rejects(
      async () => moveSecretStage(d, 'db', 'AWSCURRENT', { removeFrom: token(1) }),
      /can’t be completely removed/,
    );
    await moveSecretStage(d, 'db', 'AWSCURRENT', { removeFrom: token(1), moveTo: token(2) });
    assert.deepEqual(stages(d, 'db'), { [token(1)]: ['AWSPREVIOUS'], [token(2)]: ['PENDING', 'AWSCURRENT'] });
  });

  it('keeps values sealed at rest, bound to their secret and version', async () => {
    const d = deps();
    await createSecret(d, { name: 'db', value: { string: 'hunter2-plain' } });
    const raw = JSON.stringify(d.store.read((tx) => tx.list(secrets)));
    assert.doesNotMatch(raw, /hunter2-plain/);
  });

  it('filters lists by prefix, negation and case as ListSecrets documents', async () => {
    const d = deps();
    await createSecret(d, { name: 'prod/db', description: 'Main DB', tags: [{ key: 'team', value: 'shop' }] });
    d.advance(1000);
    await createSecret(d, { name: 'dev/db', description: 'test db' });
    const names = (filters: { key: string; values: string[] }[], sortOrder?: string) =>
      listSecrets(d, { filters, ...(sortOrder ? { sortOrder } : {}) }).map((s) => s.name);
    assert.deepEqual(names([{ key: 'name', values: ['prod'] }]), ['prod/db']);
    assert.deepEqual(names([{ key: 'name', values: ['!prod'] }]), ['dev/db']);
    assert.deepEqual(names([{ key: 'name', values: ['PROD'] }]), []);
    assert.deepEqual(names([{ key: 'description', values: ['main'] }]), ['prod/db']);
    assert.deepEqual(names([{ key: 'tag-key', values: ['te'] }]), ['prod/db']);
    assert.deepEqual(names([], 'desc'), ['dev/db', 'prod/db']);
    assert.throws(() => names([{ key: 'color', values: ['x'] }]), /Invalid filter key/);
  });
});
