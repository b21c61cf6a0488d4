import { createHash } from 'node:crypto';
import {
  createListener,
  createLoadBalancer,
  createTargetGroup,
  deleteListener,
  deleteLoadBalancer,
  deleteTargetGroup,
  describeListeners,
  describeLoadBalancers,
  portFree,
  DEFAULT_VPC,
  type ElbDeps,
  type LoadBalancerRecord,
} from '../elb/index.js';
import { ensureTargets, findTg, unlessMissing } from './kube-elb-shared.js';
import type { LoadBalancerPort, WantedLoadBalancer } from '../kube/index.js';

/**
 * Kubernetes LoadBalancer Services on berth's ELB: a network load balancer named as the in-tree
 * AWS provider names it (`a` + the Service's uid without dashes, 32 characters), tagged with the
 * Service and cluster as EKS tags it; per port a TCP listener and an `ip` target group of the
 * ready pods' addresses. What `aws elbv2 describe-*` shows of it is what the Service made.
 */

const lbName = (uid: string) => `a${uid.replace(/-/g, '')}`.slice(0, 32);
/** A target group's name: `k8s-` and a hash of the load balancer and port (32 characters at most, as ELB allows). */
const tgName = (uid: string, port: number) =>
  `k8s-${createHash('sha256').update(`${uid}/${port}`).digest('hex').slice(0, 24)}`;

const findLb = (deps: ElbDeps, uid: string): LoadBalancerRecord | undefined =>
  unlessMissing(() => describeLoadBalancers(deps, undefined, [lbName(uid)])[0]);

export function kubeLoadBalancers(deps: ElbDeps): LoadBalancerPort {
  return {
    async ensure(want: WantedLoadBalancer) {
      const lb =
        findLb(deps, want.uid) ??
        (await createLoadBalancer(deps, {
          Name: lbName(want.uid),
          Type: 'network',
          Scheme: want.internal ? 'internal' : 'internet-facing',
          Tags: [
            { Key: 'kubernetes.io/service-name', Value: `${want.namespace}/${want.name}` },
            { Key: `kubernetes.io/cluster/${want.cluster}`, Value: 'owned' },
          ],
        }));
      const listeners = describeListeners(deps, { LoadBalancerArn: lb.arn });
      for (const l of want.listeners) {
        const name = tgName(want.uid, l.port);
        const tg =
          findTg(deps, name) ??
          (await createTargetGroup(deps, {
            Name: name,
            Protocol: 'TCP',
            Port: l.port,
            VpcId: DEFAULT_VPC,
            TargetType: 'ip',
            // The AWS Load Balancer Controller's health check for IP targets: a pod takes traffic within ~30 s.
            HealthCheckIntervalSeconds: 10,
            HealthCheckTimeoutSeconds: 5,
            HealthyThresholdCount: 3,
            UnhealthyThresholdCount: 3,
            Tags: [{ Key: 'kubernetes.io/service-name', Value: `${want.namespace}/${want.name}` }],
          }));
        if (!listeners.some((x) => x.port === l.port))
          await createListener(
            deps,
            {
              LoadBalancerArn: lb.arn,
              Port: l.port,
              Protocol: 'TCP',
              DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.arn }],
            },
            portFree,
          );
        await ensureTargets(deps, tg, l.targets);
      }
      // Ports the Service no longer has: their listeners and target groups go.
      for (const x of listeners)
        if (!want.listeners.some((l) => l.port === x.port)) {
          await deleteListener(deps, x.arn);
          const tg = findTg(deps, tgName(want.uid, x.port));
          if (tg) await deleteTargetGroup(deps, tg.arn);
        }
      return { hostname: lb.dnsName, ip: lb.address };
    },
    async remove(uid: string) {
      const lb = findLb(deps, uid);
      if (!lb) return;
      const ports = describeListeners(deps, { LoadBalancerArn: lb.arn }).map((l) => l.port);
      await deleteLoadBalancer(deps, lb.arn);
      for (const port of ports) {
        const tg = findTg(deps, tgName(uid, port));
        if (tg) await deleteTargetGroup(deps, tg.arn);
      }
    },
  };
}
