import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { isBerthError } from '../kernel/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import {
  createListener,
  createLoadBalancer,
  createRule,
  createTargetGroup,
  deleteLoadBalancer,
  deleteTargetGroup,
  deregisterTargets,
  describeRules,
  describeTargetHealth,
  finishDraining,
  modifyTargetGroupAttributes,
  registerTargets,
  setRulePriorities,
  setTargetHealth,
  type ElbDeps,
} from './index.js';

const T0 = Date.UTC(2026, 11, 3, 12, 0);
const deps = (): ElbDeps & { clock: ManualClock } => ({
  store: localShared(new MemoryStore()),
  clock: new ManualClock(T0),
  accountId: '000000000000',
  region: 'us-east-1',
  hosts: { addressOf: (id) => (id === 'i-0host' ? '127.0.0.1' : undefined) },
});
const free = async () => true;

/** The domain error a call throws: its kind, resource and reason. */
async function failure(
  fn: () => unknown,
): Promise<{ kind: string; resource?: string; reason?: string; message: string }> {
  try {
    await fn();
  } catch (e) {
    assert.ok(isBerthError(e), String(e));
    return { kind: e.kind, ...e.detail, message: e.message } as never;
  }
  assert.fail('expected a refusal');
}

async function alb(d: ElbDeps) {
  const lb = await createLoadBalancer(d, { Name: 'web' });
  const tg = await createTargetGroup(d, { Name: 'web', Protocol: 'HTTP', Port: 80 });
  const l = await createListener(
    d,
    { LoadBalancerArn: lb.arn, Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.arn }] },
    free,
  );
  return { lb, tg, l };
}

describe('ELBv2 resources', () => {
  it('gives each load balancer an address and DNS name of its own, and answers the same name and settings with the same one', async () => {
    const d = deps();
    const a = await createLoadBalancer(d, { Name: 'a' });
    const b = await createLoadBalancer(d, { Name: 'b', Type: 'network' });
    assert.notEqual(a.address, b.address);
    assert.match(a.dnsName, /^a-\d+\.us-east-1\.elb\.berth\.internal$/);
    assert.match(b.arn, /:loadbalancer\/net\/b\/[0-9a-f]{16}$/);
    assert.equal((await createLoadBalancer(d, { Name: 'a' })).arn, a.arn);
    assert.deepEqual(
      (await failure(() => createLoadBalancer(d, { Name: 'a', Type: 'network' }))).resource,
      'load-balancer',
    );
    assert.equal((await failure(() => createLoadBalancer(d, { Name: '-bad' }))).kind, 'InvalidParameter');
    assert.equal((await failure(() => createLoadBalancer(d, { Name: 'internal-x' }))).kind, 'InvalidParameter');
  });

  it('refuses a second listener on a port, a port taken on the host, and a target group of another protocol', async () => {
    const d = deps();
    const { lb, tg } = await alb(d);
    await assert.rejects(
      createListener(
        d,
        { LoadBalancerArn: lb.arn, Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.arn }] },
        free,
      ),
      (e) => isBerthError(e) && e.kind === 'AlreadyExists' && e.detail.resource === 'listener',
    );
    await assert.rejects(
      createListener(
        d,
        { LoadBalancerArn: lb.arn, Port: 81, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.arn }] },
        async () => false,
      ),
      (e) => isBerthError(e) && e.detail.reason === 'configuration-invalid' && /in use on this host/.test(e.message),
    );
    const tcp = await createTargetGroup(d, { Name: 'tcp', Protocol: 'TCP', Port: 80 });
    await assert.rejects(
      createListener(
        d,
        { LoadBalancerArn: lb.arn, Port: 82, DefaultActions: [{ Type: 'forward', TargetGroupArn: tcp.arn }] },
        free,
      ),
      (e) => isBerthError(e) && e.detail.reason === 'protocol-incompatible',
    );
  });

  it('keeps rule priorities unique per listener, lists the default rule last, and keeps a used target group', async () => {
    const d = deps();
    const { tg, l, lb } = await alb(d);
    const rule = (p: number) =>
      createRule(d, {
        ListenerArn: l.arn,
        Priority: p,
        Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }],
        Actions: [{ Type: 'forward', TargetGroupArn: tg.arn }],
      });
    const r5 = await rule(5);
    const r3 = await rule(3);
    assert.equal((await failure(() => rule(5))).resource, 'rule-priority');
    assert.deepEqual(
      describeRules(d, { ListenerArn: l.arn }).map((r) => r.priority),
      [3, 5, 'default'],
    );
    assert.equal(
      (await failure(() => setRulePriorities(d, [{ RuleArn: r3.arn, Priority: 5 }]))).resource,
      'rule-priority',
    );
    await setRulePriorities(d, [
      { RuleArn: r3.arn, Priority: 7 },
      { RuleArn: r5.arn, Priority: 1 },
    ]);
    assert.deepEqual(
      describeRules(d, { ListenerArn: l.arn })
        .map((r) => r.arn)
        .slice(0, 2),
      [r5.arn, r3.arn],
    );
    assert.equal((await failure(() => deleteTargetGroup(d, tg.arn))).reason, 'in-use');
    assert.equal(
      (
        await failure(() =>
          createRule(d, {
            ListenerArn: l.arn,
            Priority: 9,
            Conditions: [{ Field: 'cookie', Values: ['x'] }],
            Actions: [{ Type: 'forward', TargetGroupArn: tg.arn }],
          }),
        )
      ).kind,
      'InvalidParameter',
    );
    await deleteLoadBalancer(d, lb.arn);
    await deleteTargetGroup(d, tg.arn);
  });

  it('takes targets berth can reach, starts them initial (unused without a load balancer), and drains them on deregistration', async () => {
    const d = deps();
    const lonely = await createTargetGroup(d, { Name: 'lonely', Protocol: 'HTTP', Port: 80, TargetType: 'ip' });
    await registerTargets(d, lonely.arn, [{ Id: '10.0.0.5' }]);
    assert.deepEqual(
      describeTargetHealth(d, lonely.arn).map((t) => [t.state, t.reason]),
      [['unused', 'Target.NotInUse']],
    );
    assert.equal((await failure(() => registerTargets(d, lonely.arn, [{ Id: '8.8.8.8' }]))).reason, 'target-invalid');
    const { tg } = await alb(d);
    assert.equal((await failure(() => registerTargets(d, tg.arn, [{ Id: 'i-0nowhere' }]))).reason, 'target-invalid');
    await registerTargets(d, tg.arn, [{ Id: 'i-0host', Port: 32768 }]);
    const [t] = describeTargetHealth(d, tg.arn);
    assert.deepEqual([t?.state, t?.reason, t?.port], ['initial', 'Elb.RegistrationInProgress', 32768]);
    await setTargetHealth(d, `${tg.id}/i-0host/32768`, 'healthy');
    assert.deepEqual(
      describeTargetHealth(d, tg.arn).map((x) => [x.state, x.reason]),
      [['healthy', undefined]],
    );
    await deregisterTargets(d, tg.arn, [{ Id: 'i-0host', Port: 32768 }]);
    assert.deepEqual(
      describeTargetHealth(d, tg.arn).map((x) => [x.state, x.reason]),
      [['draining', 'Target.DeregistrationInProgress']],
    );
    await finishDraining(d, T0 + 299_000);
    assert.equal(describeTargetHealth(d, tg.arn).length, 1);
    await finishDraining(d, T0 + 300_000);
    assert.equal(describeTargetHealth(d, tg.arn).length, 0);
    assert.deepEqual(
      describeTargetHealth(d, tg.arn, [{ Id: 'i-0host', Port: 32768 }]).map((x) => x.reason),
      ['Target.NotRegistered'],
    );
    assert.equal(
      (await failure(() => deregisterTargets(d, tg.arn, [{ Id: 'i-0host', Port: 1 }]))).reason,
      'target-invalid',
    );
  });

  it('takes stickiness and slow start attributes ELB takes, and refuses those it refuses', async () => {
    const d = deps();
    const web = await createTargetGroup(d, { Name: 'web', Protocol: 'HTTP', Port: 80 });
    const tcp = await createTargetGroup(d, { Name: 'tcp', Protocol: 'TCP', Port: 80 });
    const set = async (arn: string, attrs: Record<string, string>) =>
      modifyTargetGroupAttributes(
        d,
        arn,
        Object.entries(attrs).map(([Key, Value]) => ({ Key, Value })),
      );
    const after = await set(web.arn, {
      'stickiness.enabled': 'true',
      'stickiness.lb_cookie.duration_seconds': '3600',
      'slow_start.duration_seconds': '30',
    });
    assert.equal(after['stickiness.type'], 'lb_cookie');
    assert.equal(
      (await set(web.arn, { 'stickiness.type': 'app_cookie', 'stickiness.app_cookie.cookie_name': 'SESSION' }))[
        'stickiness.app_cookie.cookie_name'
      ],
      'SESSION',
    );
    assert.equal(
      (await failure(() => set(tcp.arn, { 'stickiness.type': 'lb_cookie' }))).reason,
      'configuration-invalid',
    );
    assert.equal(
      (await failure(() => set(web.arn, { 'slow_start.duration_seconds': '10' }))).reason,
      'configuration-invalid',
    );
    assert.equal((await failure(() => set(web.arn, { 'stickiness.enabled': 'yes' }))).reason, 'configuration-invalid');
    assert.equal(
      (await failure(() => set(web.arn, { 'load_balancing.algorithm.type': 'least_outstanding_requests' }))).reason,
      'configuration-invalid',
      'slow start and least outstanding requests do not go together',
    );
    assert.equal((await set(tcp.arn, { 'stickiness.enabled': 'true' }))['stickiness.type'], 'source_ip');
  });
});
