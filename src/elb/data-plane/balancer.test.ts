import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Balancer, type GroupView, type TargetView } from './balancer.js';

const target = (n: number): TargetView => ({ key: `g/t${n}/80`, address: `10.0.0.${n}`, port: 80, state: 'healthy' });
const group = (extra: Partial<GroupView> = {}): GroupView => ({
  arn: 'g',
  id: 'g',
  protocol: 'HTTP',
  targets: [target(1), target(2), target(3)],
  leastOutstanding: false,
  ...extra,
});

describe('the Node balancer', () => {
  it('takes targets in turn, and keeps to the target a stickiness cookie names while it is routable', () => {
    const b = new Balancer();
    const g = group({ sticky: { type: 'lb_cookie', durationSec: 60 } });
    assert.deepEqual(
      [1, 2, 3, 4].map(() => b.pick(g)?.key),
      ['g/t1/80', 'g/t2/80', 'g/t3/80', 'g/t1/80'],
    );
    for (let i = 0; i < 5; i++) assert.equal(b.pick(g, { cookieTarget: 'g/t3/80' })?.key, 'g/t3/80');
    const gone = { ...g, targets: [target(1), target(2)] };
    assert.notEqual(b.pick(gone, { cookieTarget: 'g/t3/80' }), undefined, 'a cookie for a gone target is ignored');
    assert.deepEqual(
      [1, 2, 3].map(() => b.pick(group(), { cookieTarget: 'g/t3/80' })?.key).sort(),
      ['g/t1/80', 'g/t2/80', 'g/t3/80'],
      'without stickiness the cookie means nothing',
    );
  });

  it('sends a client address to the same target while the pool stays (source_ip)', () => {
    const b = new Balancer();
    const g = group({ protocol: 'TCP', sticky: { type: 'source_ip' } });
    const first = b.pick(g, { sourceIp: '192.0.2.7' })?.key;
    for (let i = 0; i < 10; i++) assert.equal(b.pick(g, { sourceIp: '192.0.2.7' })?.key, first);
    const spread = new Set(Array.from({ length: 50 }, (_, i) => b.pick(g, { sourceIp: `192.0.2.${i}` })?.key));
    assert.equal(spread.size, 3, 'different clients spread over the targets');
  });

  it('gives a target in slow start a share that grows until its duration is over', () => {
    let now = 0;
    const b = new Balancer(() => now);
    const old = { ...group(), targets: [target(1), target(2)] };
    b.observe([old]);
    now = 1_000_000;
    const g = group({ slowStartSec: 100 });
    b.observe([g]); // t3 turns healthy now
    const share = () => {
      let n = 0;
      for (let i = 0; i < 3000; i++) if (b.pick(g)?.key === 'g/t3/80') n++;
      return n / 3000;
    };
    const early = share();
    now += 50_000;
    const half = share();
    now += 60_000;
    const full = share();
    assert.ok(early < 0.1, `just healthy: ${early}`);
    assert.ok(half > early && half < full, `half way: ${half}`);
    assert.ok(full > 0.3, `after the slow start: ${full}`);
  });
});
