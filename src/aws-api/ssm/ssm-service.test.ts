import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jsonCall, testApp, type TestApp } from '../../server/test-app.js';

describe('SSM Parameter Store on the wire', () => {
  let t: TestApp;
  before(async () => (t = await testApp()));
  after(() => t.dispose());
  const call = (op: string, body: object) => jsonCall(t.app, 'ssm', op, body);

  it('answers PutParameter and GetParameter as SSM does, a SecureString sealed unless decrypted', async () => {
    const put = await call('PutParameter', { Name: '/svc/password', Value: 'hunter2', Type: 'SecureString' });
    assert.deepEqual([put.status, put.body], [200, { Version: 1, Tier: 'Standard' }]);
    const sealed = await call('GetParameter', { Name: '/svc/password' });
    const p = sealed.body.Parameter as Record<string, unknown>;
    assert.equal(p.Type, 'SecureString');
    assert.notEqual(p.Value, 'hunter2');
    assert.equal(p.ARN, 'arn:aws:ssm:us-east-1:000000000000:parameter/svc/password');
    assert.equal(typeof p.LastModifiedDate, 'number');
    const clear = await call('GetParameter', { Name: '/svc/password', WithDecryption: true });
    assert.equal((clear.body.Parameter as { Value: string }).Value, 'hunter2');
    const again = await call('PutParameter', { Name: '/svc/password', Value: 'x', Type: 'String' });
    assert.deepEqual([again.status, again.body.__type], [400, 'ParameterAlreadyExists']);
    const missing = await call('GetParameter', { Name: '/nope' });
    assert.deepEqual([missing.status, missing.body.__type], [400, 'ParameterNotFound']);
    const version = await call('GetParameter', { Name: '/svc/password:9' });
    assert.equal(version.body.__type, 'ParameterVersionNotFound');
    const bad = await call('PutParameter', { Name: '/x', Value: 'v', Type: 'Plain' });
    assert.deepEqual([bad.status, bad.body.__type], [400, 'ValidationException']);
  });

  it('pages GetParametersByPath and reports names it cannot find', async () => {
    for (const n of ['a', 'b', 'c']) await call('PutParameter', { Name: `/list/${n}`, Value: n, Type: 'String' });
    const first = await call('GetParametersByPath', { Path: '/list', MaxResults: 2 });
    const names = (b: Record<string, unknown>) => (b.Parameters as { Name: string }[]).map((p) => p.Name);
    assert.deepEqual(names(first.body), ['/list/a', '/list/b']);
    const rest = await call('GetParametersByPath', { Path: '/list', MaxResults: 2, NextToken: first.body.NextToken });
    assert.deepEqual([names(rest.body), rest.body.NextToken], [['/list/c'], undefined]);
    const some = await call('GetParameters', { Names: ['/list/a', '/list/zz'] });
    assert.deepEqual([names(some.body), some.body.InvalidParameters], [['/list/a'], ['/list/zz']]);
    const bogus = await call('GetParametersByPath', { Path: '/list', NextToken: 'garbage' });
    assert.equal(bogus.body.__type, 'InvalidNextToken');
    // The model allows the key; GetParametersByPath does not take a Name filter.
    const filter = await call('GetParametersByPath', {
      Path: '/list',
      ParameterFilters: [{ Key: 'Name', Values: ['x'] }],
    });
    assert.equal(filter.body.__type, 'InvalidFilterKey');
    const option = await call('DescribeParameters', {
      ParameterFilters: [{ Key: 'Name', Option: 'Regex', Values: ['x'] }],
    });
    assert.equal(option.body.__type, 'InvalidFilterOption');
  });

  it('describes, tags, labels and deletes', async () => {
    await call('PutParameter', {
      Name: 'flag',
      Value: 'on',
      Type: 'String',
      Description: 'a flag',
      Tags: [{ Key: 'team', Value: 'red' }],
    });
    const d = await call('DescribeParameters', { ParameterFilters: [{ Key: 'Name', Values: ['flag'] }] });
    const meta = (d.body.Parameters as Record<string, unknown>[])[0];
    assert.equal(meta?.Description, 'a flag');
    assert.equal(meta?.LastModifiedUser, 'arn:aws:iam::000000000000:root');
    assert.equal(meta?.Tier, 'Standard');
    const tags = await call('ListTagsForResource', { ResourceType: 'Parameter', ResourceId: 'flag' });
    assert.deepEqual(tags.body.TagList, [{ Key: 'team', Value: 'red' }]);
    const wrong = await call('ListTagsForResource', { ResourceType: 'Document', ResourceId: 'flag' });
    assert.equal(wrong.body.__type, 'ValidationException');
    const none = await call('ListTagsForResource', { ResourceType: 'Parameter', ResourceId: 'nothing' });
    assert.equal(none.body.__type, 'InvalidResourceId');
    await call('PutParameter', { Name: 'flag', Value: 'off', Overwrite: true });
    const label = await call('LabelParameterVersion', { Name: 'flag', ParameterVersion: 1, Labels: ['was'] });
    assert.deepEqual(label.body, { InvalidLabels: [], ParameterVersion: 1 });
    const history = await call('GetParameterHistory', { Name: 'flag' });
    const versions = history.body.Parameters as { Version: number; Value: string; Labels: string[] }[];
    assert.deepEqual(
      versions.map((v) => [v.Version, v.Value, v.Labels]),
      [
        [1, 'on', ['was']],
        [2, 'off', []],
      ],
    );
    const del = await call('DeleteParameters', { Names: ['flag', 'never'] });
    assert.deepEqual([del.body.DeletedParameters, del.body.InvalidParameters], [['flag'], ['never']]);
    const gone = await call('DeleteParameter', { Name: 'flag' });
    assert.equal(gone.body.__type, 'ParameterNotFound');
  });
});
