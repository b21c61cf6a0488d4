import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFuzzer, type Fuzzer } from './fuzz-harness.js';

/** Names that no resource may take: each resource's documented rules apply on every create. */
describe('resource names', () => {
  let fz: Fuzzer;
  before(async () => {
    fz = await startFuzzer();
  });
  after(() => fz.close());

  const ecs = (op: string, body: object) => fz.send('ecs', op, body);

  const bad = ['', '\u0000', '../../x', 'a\u202eb', 'a b', 'é', 'x'.repeat(256), '~fargate'];

  it('CreateCluster refuses names ECS refuses, naming the field, and creates nothing', async () => {
    for (const name of bad) {
      const r = await ecs('CreateCluster', { clusterName: name });
      assert.equal(r.status, 400, JSON.stringify(name));
      assert.equal(r.body.__type, 'InvalidParameterException');
      assert.match(r.body.message ?? '', /Cluster name must match/);
      assert.doesNotMatch(r.body.message ?? '', /\u202e/, 'a bidi override is shown escaped');
    }
    const list = await ecs('ListClusters', {});
    assert.deepEqual((list.body as { clusterArns?: string[] }).clusterArns, []);
    assert.equal((await ecs('CreateCluster', { clusterName: 'ok_Name-1' })).status, 200);
  });

  it('an empty cluster reference is not the default cluster', async () => {
    await ecs('CreateCluster', {});
    const r = await ecs('ListServices', { cluster: '' });
    assert.equal(r.status, 400);
    assert.equal(r.body.__type, 'InvalidParameterException');
  });

  it('CreateService refuses names ECS refuses', async () => {
    for (const name of bad.filter((n) => n !== '')) {
      const r = await ecs('CreateService', { serviceName: name, taskDefinition: 'x' });
      assert.equal(r.status, 400, JSON.stringify(name));
      assert.match(r.body.message ?? '', /Service name must match/);
    }
  });

  it('ECR repositories and log groups keep their model patterns', async () => {
    const repo = await fz.send('ecr', 'CreateRepository', { repositoryName: '../x' });
    assert.equal(repo.status, 400);
    assert.match(repo.body.message ?? '', /repositoryName/);
    const group = await fz.send('logs', 'CreateLogGroup', { logGroupName: 'a\u0000b' });
    assert.equal(group.status, 400);
    assert.match(group.body.message ?? '', /logGroupName/);
  });
});
