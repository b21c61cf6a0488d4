import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jsonCall, testApp, TARGETS, type TestApp } from './test-app.js';

describe('regions are isolated, as in AWS', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp({ allRegions: true });
  });
  after(() => t.dispose());

  const call = (region: string, service: keyof typeof TARGETS, op: string, body: object = {}) =>
    jsonCall(t.app, service, op, body, region);

  it('scopes clusters and their ARNs to the region the call is signed for', async () => {
    const made = await call('eu-west-1', 'ecs', 'CreateCluster', { clusterName: 'web' });
    assert.equal(made.status, 200);
    assert.equal(
      (made.body.cluster as { clusterArn: string }).clusterArn,
      'arn:aws:ecs:eu-west-1:000000000000:cluster/web',
    );
    const eu = await call('eu-west-1', 'ecs', 'ListClusters');
    const us = await call('us-east-1', 'ecs', 'ListClusters');
    assert.deepEqual(eu.body.clusterArns, [
      'arn:aws:ecs:eu-west-1:000000000000:cluster/default',
      'arn:aws:ecs:eu-west-1:000000000000:cluster/web',
    ]);
    assert.ok(!(us.body.clusterArns as string[]).some((a) => a.includes('web')), 'us-east-1 has no cluster web');
    const missing = await call('us-east-1', 'ecs', 'DescribeClusters', { clusters: ['web'] });
    assert.deepEqual(
      (missing.body.failures as { reason: string }[]).map((f) => f.reason),
      ['MISSING'],
    );
  });

  it('refuses a call signed for a name that is not a region', async () => {
    const r = await call('xx-nowhere-9', 'ecs', 'ListClusters');
    assert.equal(r.status, 403);
    assert.equal(r.body.__type, 'InvalidSignatureException');
    assert.match(r.body.message ?? '', /valid region, not 'xx-nowhere-9'/);
  });

  it('keeps repositories, their registry and log groups per region', async () => {
    const repo = await call('eu-west-2', 'ecr', 'CreateRepository', { repositoryName: 'app' });
    assert.equal(
      (repo.body.repository as { repositoryArn: string }).repositoryArn,
      'arn:aws:ecr:eu-west-2:000000000000:repository/app',
    );
    const usRepos = await call('us-east-1', 'ecr', 'DescribeRepositories');
    assert.deepEqual(usRepos.body.repositories, []);
    await call('eu-west-2', 'logs', 'CreateLogGroup', { logGroupName: '/ecs/app' });
    const usGroups = await call('us-east-1', 'logs', 'DescribeLogGroups');
    assert.deepEqual(usGroups.body.logGroups, []);
    const euGroups = await call('eu-west-2', 'logs', 'DescribeLogGroups');
    assert.deepEqual(
      (euGroups.body.logGroups as { arn: string }[]).map((g) => g.arn),
      ['arn:aws:logs:eu-west-2:000000000000:log-group:/ecs/app:*'],
    );

    // The /v2 registry serves the region its token was issued for, or the one its ECR host name names.
    const token = async (region: string) => {
      const r = await call(region, 'ecr', 'GetAuthorizationToken');
      return (r.body.authorizationData as { authorizationToken: string }[])[0]?.authorizationToken as string;
    };
    const catalog = async (authToken: string, host = 'localhost:4566') => {
      const r = await t.app.inject({
        method: 'GET',
        url: '/v2/_catalog',
        headers: { authorization: `Basic ${authToken}`, host },
      });
      return { status: r.statusCode, body: r.json() as { repositories?: string[] } };
    };
    const eu = await token('eu-west-2');
    const us = await token('us-east-1');
    assert.deepEqual((await catalog(eu)).body.repositories, ['app']);
    assert.deepEqual((await catalog(us)).body.repositories, []);
    assert.deepEqual((await catalog(eu, '000000000000.dkr.ecr.eu-west-2.amazonaws.com:4566')).body.repositories, [
      'app',
    ]);
    // A token is good only in its own region.
    assert.equal((await catalog(us, '000000000000.dkr.ecr.eu-west-2.amazonaws.com')).status, 401);
  });
});

describe('regions that open asynchronously (as over etcd)', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp({ allRegions: 'async' });
  });
  after(() => t.dispose());

  it('serves a call once its region has opened, and opens the regions in use on request', async () => {
    assert.equal(t.regions.get('eu-west-3'), undefined, 'not open yet: get only starts the opening');
    const r = await jsonCall(t.app, 'ecs', 'CreateCluster', { clusterName: 'web' }, 'eu-west-3');
    assert.equal(r.status, 200);
    assert.equal(t.regions.get('eu-west-3')?.name, 'eu-west-3');
    const list = await jsonCall(t.app, 'ecs', 'ListClusters', {}, 'eu-west-3');
    assert.deepEqual(list.body.clusterArns, [
      'arn:aws:ecs:eu-west-3:000000000000:cluster/default',
      'arn:aws:ecs:eu-west-3:000000000000:cluster/web',
    ]);
    await t.regions.openInUse();
    assert.deepEqual(
      t.regions
        .all()
        .map((x) => x.name)
        .sort(),
      ['eu-west-3', 'us-east-1'],
    );
  });
});
