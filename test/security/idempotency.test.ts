import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFuzzer, type Fuzzer } from './fuzz-harness.js';

/** A retry that carries the same clientToken must not make the resource again. */
describe('clientToken', () => {
  let fz: Fuzzer;
  before(async () => {
    fz = await startFuzzer();
  });
  after(() => fz.close());

  const ecs = (op: string, body: object) => fz.send('ecs', op, body);

  it('CreateService with the same token and parameters answers the first service; other parameters conflict', async () => {
    await ecs('CreateCluster', {});
    await ecs('RegisterTaskDefinition', {
      family: 'web',
      containerDefinitions: [{ name: 'a', image: 'x', memory: 16 }],
    });
    const input = { serviceName: 'svc', taskDefinition: 'web', desiredCount: 0, clientToken: 'retry-me' };
    const first = await ecs('CreateService', input);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const again = await ecs('CreateService', input);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const arn = (r: typeof first) => (r.body.service as { serviceArn: string }).serviceArn;
    assert.equal(arn(again), arn(first));
    const other = await ecs('CreateService', { ...input, desiredCount: 2 });
    assert.equal(other.status, 400);
    assert.equal(other.body.__type, 'ConflictException');
    // Without the token the same call is a second creation, which ECS refuses for an active name.
    const { clientToken: _t, ...noToken } = input;
    assert.equal((await ecs('CreateService', noToken)).status, 400);
  });

  it('RunTask with the same token makes nothing new', async () => {
    // A registered instance whose agent is away: RunTask answers 200 with an AGENT failure.
    const doc = JSON.stringify({ instanceId: 'i-0123456789abcdef0', region: 'us-east-1' });
    const reg = await ecs('RegisterContainerInstance', { instanceIdentityDocument: doc });
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const input = { taskDefinition: 'web', clientToken: 'run-once', count: 1 };
    const first = await ecs('RunTask', input);
    const again = await ecs('RunTask', input);
    assert.equal(first.status, 200);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    assert.equal((first.body.failures as { reason: string }[])[0]?.reason, 'AGENT');
    assert.equal((await ecs('RunTask', { ...input, count: 2 })).body.__type, 'ConflictException');
  });
});
