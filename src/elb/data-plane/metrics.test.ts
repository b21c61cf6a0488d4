import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ListenerRecord, LoadBalancerRecord, TargetGroupRecord, TargetRecord } from '../tables.js';
import { counterDeltas, elbMetrics } from './metrics.js';

const lb = {
  arn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/shop/0123456789abcdef',
  type: 'application',
} as LoadBalancerRecord;
const nlb = {
  arn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/tcp/fedcba9876543210',
  type: 'network',
} as LoadBalancerRecord;
const tg = {
  arn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/1111111111111111',
} as TargetGroupRecord;
const target = (state: string) => ({ targetGroupArn: tg.arn, state }) as TargetRecord;

describe('AWS/ApplicationELB metrics', () => {
  it('counts what grew since the last reading, and a counter that went down as started again', () => {
    const d = counterDeltas(
      new Map([
        ['a', 10],
        ['b', 50],
      ]),
      new Map([
        ['a', 25],
        ['b', 7],
        ['c', 3],
      ]),
    );
    assert.deepEqual(
      [...d],
      [
        ['a', 15],
        ['b', 7],
        ['c', 3],
      ],
    );
  });

  it('publishes request counts per load balancer and target group, per healthy target, and host counts', () => {
    const at = new Date(Date.UTC(2026, 11, 3, 12));
    const data = elbMetrics({
      lbs: [lb, nlb],
      listeners: [
        { key: 'lb/l1', loadBalancerArn: lb.arn } as ListenerRecord,
        { key: 'lb/l2', loadBalancerArn: lb.arn } as ListenerRecord,
        { key: 'nlb/l3', loadBalancerArn: nlb.arn } as ListenerRecord,
      ],
      tgs: [tg],
      targets: [target('healthy'), target('healthy'), target('unhealthy'), target('draining')],
      lbsByGroup: new Map([[tg.arn, [lb.arn]]]),
      listenerRequests: new Map([
        ['lb/l1', 30],
        ['lb/l2', 6],
        ['nlb/l3', 99],
      ]),
      groupRequests: new Map([[tg.arn, 30]]),
      at,
    });
    const show = data.map(
      (d) => `${d.MetricName} ${d.Dimensions.map((x) => `${x.Name}=${x.Value}`).join(',')} ${d.Value}`,
    );
    assert.deepEqual(show, [
      'RequestCount LoadBalancer=app/shop/0123456789abcdef 36',
      'RequestCountPerTarget TargetGroup=targetgroup/web/1111111111111111 15',
      'RequestCount TargetGroup=targetgroup/web/1111111111111111,LoadBalancer=app/shop/0123456789abcdef 30',
      'RequestCountPerTarget TargetGroup=targetgroup/web/1111111111111111,LoadBalancer=app/shop/0123456789abcdef 15',
      'HealthyHostCount TargetGroup=targetgroup/web/1111111111111111,LoadBalancer=app/shop/0123456789abcdef 2',
      'UnHealthyHostCount TargetGroup=targetgroup/web/1111111111111111,LoadBalancer=app/shop/0123456789abcdef 1',
    ]);
    assert.ok(data.every((d) => d.Timestamp === at && d.StorageResolution === 1));
  });
});
