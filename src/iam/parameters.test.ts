import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/errors.js';
import { ManualClock } from '../kernel/clock.js';
import { MemoryStore, localShared } from '../store/index.js';
import type { IamDeps } from './deps.js';
import { describeParameters, parametersByPath } from './parameter-queries.js';
import {
  deleteParameter,
  getParameter,
  labelParameterVersion,
  nameOf,
  putParameter,
  tagParameter,
} from './parameters.js';
import { Sealer } from './sealer.js';
import { parameters } from './tables.js';

const deps = (): IamDeps => ({
  store: localShared(new MemoryStore()),
  clock: new ManualClock(Date.UTC(2026, 0, 1)),
  accountId: '000000000000',
  region: 'us-east-1',
  sealer: Sealer.random(),
});
const put = (d: IamDeps, name: string, value: string, more: object = {}) =>
  putParameter(d, { name, value, type: 'String', by: 'me', ...more });
const fails = (kind: string, pattern: RegExp, reason?: string) => (e: unknown) =>
  e instanceof BerthError &&
  e.kind === kind &&
  pattern.test(e.message) &&
  (reason === undefined || e.detail.reason === reason);

describe('SSM parameters', () => {
  it('versions a value on overwrite, reads versions and labels by selector, and refuses a silent overwrite', async () => {
    const d = deps();
    assert.deepEqual(await put(d, '/app/db/url', 'v1'), { version: 1, tier: 'Standard' });
    await assert.rejects(async () => put(d, '/app/db/url', 'v2'), fails('AlreadyExists', /set the overwrite option/));
    assert.equal((await put(d, '/app/db/url', 'v2', { overwrite: true, type: undefined })).version, 2);
    assert.equal(getParameter(d, '/app/db/url').value, 'v2');
    assert.equal(getParameter(d, '/app/db/url:1').value, 'v1');
    assert.equal(getParameter(d, '/app/db/url:1').selector, ':1');
    await labelParameterVersion(d, '/app/db/url', ['prod'], 1);
    assert.equal(getParameter(d, '/app/db/url:prod').value, 'v1');
    // A label moves: on version 2 now, gone from version 1.
    await labelParameterVersion(d, '/app/db/url', ['prod']);
    assert.equal(getParameter(d, '/app/db/url:prod').version.version, 2);
    assert.throws(() => getParameter(d, '/app/db/url:7'), fails('NotFound', /could not find version 7/));
    assert.deepEqual((await labelParameterVersion(d, '/app/db/url', ['9lives', 'awsy', 'ok'])).invalid, [
      '9lives',
      'awsy',
    ]);
    assert.equal(getParameter(d, 'arn:aws:ssm:us-east-1:000000000000:parameter/app/db/url:1').value, 'v1');
  });

  it('keeps every value sealed at rest, bound to its name', async () => {
    const d = deps();
    await put(d, 'token', 's3cr3t-value', { type: 'SecureString' });
    const rec = d.store.read((tx) => tx.get(parameters, 'token'))?.value;
    assert.ok(rec);
    assert.equal(rec.keyId, 'alias/aws/ssm');
    assert.doesNotMatch(JSON.stringify(rec), /s3cr3t-value/, 'the store never holds the value in the clear');
    assert.equal(getParameter(d, 'token').value, 's3cr3t-value');
    // Sealed for `token`, a value does not open as another parameter's, nor under another key.
    const sealed = rec.versions[0]?.sealed as string;
    assert.throws(() => d.sealer.open(sealed, 'other'));
    assert.throws(() => Sealer.random().open(sealed, 'token'));
  });

  it('applies SSM’s name rules and its value limits', async () => {
    const d = deps();
    await assert.rejects(async () => put(d, 'a/b', 'x'), fails('InvalidParameter', /fully qualified/));
    await assert.rejects(async () => put(d, '/aws/x', 'x'), fails('InvalidParameter', /can't be prefixed with "aws"/));
    await assert.rejects(async () => put(d, 'SSM-x', 'x'), fails('InvalidParameter', /can't be prefixed/));
    await assert.rejects(async () => put(d, '/a b', 'x'), fails('InvalidParameter', /only letters, numbers/));
    await assert.rejects(
      async () => put(d, '/x', 'y'.repeat(4097)),
      fails('InvalidParameter', /less than or equal to 4096/),
    );
    assert.equal((await put(d, '/big', 'y'.repeat(5000), { tier: 'Intelligent-Tiering' })).tier, 'Advanced');
    await assert.rejects(
      async () => putParameter(d, { name: '/n', value: 'x', by: 'me' }),
      fails('InvalidParameter', /type is required/),
    );
    await assert.rejects(
      async () => put(d, '/p', 'abc', { allowedPattern: '^[0-9]+$' }),
      fails('InvalidParameter', /cannot be validated against allowedPattern/, 'pattern-mismatch'),
    );
    await assert.rejects(
      async () => put(d, '/p', 'abc', { allowedPattern: '(' }),
      fails('InvalidParameter', /not a valid/, 'pattern-invalid'),
    );
    await assert.rejects(
      async () => put(d, '/t', 'x', { overwrite: true, tags: [{ key: 'k', value: 'v' }] }),
      /tags and overwrite/,
    );
    await assert.rejects(async () => put(d, '/t', 'x', { dataType: 'aws:ec2:image' }), /not supported by berth/);
  });

  it('keeps the last 100 versions, but never drops one a label points at', async () => {
    const d = deps();
    await put(d, '/v', '1');
    await labelParameterVersion(d, '/v', ['first'], 1);
    for (let i = 2; i <= 100; i++) await put(d, '/v', String(i), { overwrite: true });
    await assert.rejects(
      async () => put(d, '/v', '101', { overwrite: true }),
      fails('LimitExceeded', /has a label/, 'max-versions'),
    );
    await labelParameterVersion(d, '/v', ['first'], 2);
    assert.equal((await put(d, '/v', '101', { overwrite: true })).version, 101);
    assert.throws(() => getParameter(d, '/v:1'), fails('NotFound', /version 1/));
    assert.equal(getParameter(d, '/v:first').value, '2');
  });

  it('lists by path, one level or recursively, and filters as DescribeParameters does', async () => {
    const d = deps();
    for (const n of ['/app/a', '/app/b', '/app/deep/c', '/apple', 'top']) await put(d, n, n);
    await put(d, '/app/s', 'x', { type: 'SecureString' });
    const names = (l: { name: string }[]) => l.map((p) => p.name);
    assert.deepEqual(names(parametersByPath(d, '/app', false)), ['/app/a', '/app/b', '/app/s']);
    assert.deepEqual(names(parametersByPath(d, '/app/', true)), ['/app/a', '/app/b', '/app/deep/c', '/app/s']);
    assert.deepEqual(names(parametersByPath(d, '/app', true, [{ key: 'Type', values: ['SecureString'] }])), ['/app/s']);
    assert.throws(() => parametersByPath(d, 'app', false), /must begin with a forward slash/);
    assert.throws(
      () => parametersByPath(d, '/app', false, [{ key: 'Path', values: ['/x'] }]),
      (e: unknown) => e instanceof BerthError && e.detail.reason === 'filter-key',
    );
    assert.deepEqual(names(describeParameters(d, [{ key: 'Name', option: 'BeginsWith', values: ['/app'] }])), [
      '/app/a',
      '/app/b',
      '/app/deep/c',
      '/app/s',
      '/apple',
    ]);
    assert.deepEqual(names(describeParameters(d, [{ key: 'Path', option: 'Recursive', values: ['/app/deep'] }])), [
      '/app/deep/c',
    ]);
    await tagParameter(d, 'top', [{ key: 'team', value: 'red' }]);
    assert.deepEqual(names(describeParameters(d, [{ key: 'tag:team', values: ['red'] }])), ['top']);
    assert.throws(
      () => describeParameters(d, [{ key: 'Name', option: 'Regex', values: ['x'] }]),
      (e: unknown) => e instanceof BerthError && e.detail.reason === 'filter-option',
    );
    assert.throws(
      () => describeParameters(d, [{ key: 'Owner', values: ['x'] }]),
      (e: unknown) => e instanceof BerthError && e.detail.reason === 'filter-key',
    );
  });

  it('deletes, and names an ARN’s parameter', async () => {
    const d = deps();
    await put(d, '/gone', 'x');
    await deleteParameter(d, '/gone');
    await assert.rejects(async () => deleteParameter(d, '/gone'), fails('NotFound', /not found/));
    assert.equal(nameOf('arn:aws:ssm:us-east-1:000000000000:parameter/a/b'), '/a/b');
    assert.equal(nameOf('arn:aws:ssm:us-east-1:000000000000:parameter/plain'), 'plain');
    assert.equal(nameOf('plain'), 'plain');
  });
});
