import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '../../kernel/clock.js';
import { createLogger } from '../../kernel/index.js';
import { MemoryStore } from '../../store/memory-store.js';
import { localShared } from '../../store/shared-local.js';
import type { ElbDeps } from '../deps.js';
import { createListener, deleteListener } from '../listeners.js';
import { createLoadBalancer } from '../load-balancers.js';
import { createTargetGroup } from '../target-groups.js';
import { describeTargetHealth, registerTargets } from '../targets.js';
import { DataPlane } from './data-plane.js';

it('writes targets’ health only on the server that leads; another serves without checking', async () => {
  const d: ElbDeps = {
    store: localShared(new MemoryStore()),
    clock: new ManualClock(Date.UTC(2026, 11, 4)),
    accountId: '000000000000',
    region: 'us-east-1',
    hosts: { addressOf: () => undefined },
  };
  const lb = await createLoadBalancer(d, { Name: 'web' });
  const tg = await createTargetGroup(d, { Name: 'web', Protocol: 'HTTP', Port: 80, TargetType: 'ip' });
  const l = await createListener(
    d,
    { LoadBalancerArn: lb.arn, Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.arn }] },
    async () => true,
  );
  await registerTargets(d, tg.arn, [{ Id: '127.0.0.9', Port: 8080 }]);
  assert.equal(describeTargetHealth(d, tg.arn)[0]?.state, 'initial');
  // No load balancer forwards to the group any more: the one that leads marks its target unused.
  await deleteListener(d, l.arn);
  const logger = createLogger('silent');
  const follower = new DataPlane(d, logger, undefined, undefined, () => false);
  const leader = new DataPlane(d, logger, undefined, undefined, () => true);
  try {
    await follower.sync();
    assert.equal(describeTargetHealth(d, tg.arn)[0]?.state, 'initial', 'a server that does not lead writes nothing');
    await leader.sync();
    assert.equal(describeTargetHealth(d, tg.arn)[0]?.state, 'unused');
  } finally {
    await follower.stop();
    await leader.stop();
  }
});
