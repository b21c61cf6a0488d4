import { createHash } from 'node:crypto';
import {
  createListener,
  createLoadBalancer,
  createRule,
  createTargetGroup,
  deleteListener,
  deleteLoadBalancer,
  deleteRule,
  deleteTargetGroup,
  describeListeners,
  describeLoadBalancers,
  describeRules,
  describeTargetGroups,
  modifyListener,
  portFree,
  DEFAULT_VPC,
  type ElbAction,
  type ElbCondition,
  type ElbDeps,
  type LoadBalancerRecord,
  type TargetGroupRecord,
} from '../elb/index.js';
import { ensureTargets, findTg, unlessMissing } from './kube-elb-shared.js';
import type { IngressLoadBalancerPort, WantedIngressLoadBalancer } from '../kube/index.js';

/**
 * Kubernetes Ingresses of the ALB class on berth's ELB, as the AWS Load Balancer Controller makes
 * them: an application load balancer `k8s-<namespace>-<name>-<hash>`, tagged with the Ingress
 * (`ingress.k8s.aws/stack`, `elbv2.k8s.aws/cluster`); an HTTP:80 listener whose rules (priority
 * 1, 2, … in the Ingress's order) match host and path and forward to an `ip` target group per
 * Service port (`k8s-<hash>`), kept in step with the ready endpoints; anything else gets the
 * default backend or a fixed 404.
 */

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);
const lbName = (w: { uid: string; namespace: string; name: string }) =>
  `k8s-${w.namespace.slice(0, 8)}-${w.name.slice(0, 8)}-${hash(w.uid, 10)}`
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/--+/g, '-');
const tgName = (uid: string, backend: string) => `k8s-${hash(`${uid}/${backend}`, 24)}`;

const findLb = (deps: ElbDeps, name: string): LoadBalancerRecord | undefined =>
  unlessMissing(() => describeLoadBalancers(deps, undefined, [name])[0]);

/** The target groups an Ingress's load balancer forwards to (by the tag naming the Ingress's uid). */
function ingressTargetGroups(deps: ElbDeps, uid: string): TargetGroupRecord[] {
  return describeTargetGroups(deps, {}).filter((tg) =>
    tg.tags.some((t) => t.Key === 'berth.dev/ingress-uid' && t.Value === uid),
  );
}

export function kubeIngressBalancers(deps: ElbDeps): IngressLoadBalancerPort {
  return {
    async ensureIngress(want: WantedIngressLoadBalancer) {
      const lb =
        findLb(deps, lbName(want)) ??
        (await createLoadBalancer(deps, {
          Name: lbName(want),
          Type: 'application',
          Scheme: want.internal ? 'internal' : 'internet-facing',
          Tags: [
            { Key: 'ingress.k8s.aws/stack', Value: `${want.namespace}/${want.name}` },
            { Key: 'ingress.k8s.aws/resource', Value: 'LoadBalancer' },
            { Key: 'elbv2.k8s.aws/cluster', Value: want.cluster },
          ],
        }));
      const groups = new Map<string, TargetGroupRecord>();
      for (const b of want.backends) {
        const name = tgName(want.uid, b.key);
        const tg =
          findTg(deps, name) ??
          (await createTargetGroup(deps, {
            Name: name,
            Protocol: 'HTTP',
            Port: b.targets[0]?.port ?? 80,
            VpcId: DEFAULT_VPC,
            TargetType: 'ip',
            // The AWS Load Balancer Controller's defaults: 15 s, 5 s timeout, 2/2.
            HealthCheckPath: want.healthCheckPath,
            HealthCheckIntervalSeconds: 15,
            HealthCheckTimeoutSeconds: 5,
            HealthyThresholdCount: 2,
            UnhealthyThresholdCount: 2,
            Matcher: { HttpCode: want.successCodes },
            Tags: [
              { Key: 'ingress.k8s.aws/stack', Value: `${want.namespace}/${want.name}` },
              { Key: 'ingress.k8s.aws/resource', Value: b.key },
              { Key: 'berth.dev/ingress-uid', Value: want.uid },
            ],
          }));
        await ensureTargets(deps, tg, b.targets);
        groups.set(b.key, tg);
      }
      const forward = (key: string): ElbAction[] => [{ Type: 'forward', TargetGroupArn: groups.get(key)?.arn ?? '' }];
      const fallback: ElbAction[] = want.defaultBackend
        ? forward(want.defaultBackend)
        : [
            {
              Type: 'fixed-response',
              FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' },
            } as ElbAction,
          ];
      // The rules, the same on every port: rewritten whole where they differ from the Ingress's (in its order).
      const wanted = want.rules.map((r, i) => ({
        priority: i + 1,
        conditions: [
          ...(r.host ? [{ Field: 'host-header', HostHeaderConfig: { Values: [r.host] } }] : []),
          { Field: 'path-pattern', PathPatternConfig: { Values: r.paths } },
        ] as ElbCondition[],
        actions: forward(r.backend),
      }));
      const shape = (rs: { priority: number | 'default'; conditions: ElbCondition[]; actions: ElbAction[] }[]) =>
        JSON.stringify(rs.map((r) => [r.priority, r.conditions, r.actions.map((a) => a.TargetGroupArn)]));
      const listeners = describeListeners(deps, { LoadBalancerArn: lb.arn });
      for (const port of want.ports) {
        let listener = listeners.find((l) => l.port === port);
        if (!listener)
          listener = await createListener(
            deps,
            { LoadBalancerArn: lb.arn, Port: port, Protocol: 'HTTP', DefaultActions: fallback },
            portFree,
          );
        else if (JSON.stringify(listener.defaultActions) !== JSON.stringify(fallback))
          await modifyListener(deps, listener.arn, { DefaultActions: fallback }, portFree);
        const have = describeRules(deps, { ListenerArn: listener.arn }).filter((r) => r.priority !== 'default');
        if (shape(have) === shape(wanted)) continue;
        for (const r of have) await deleteRule(deps, r.arn);
        for (const r of wanted)
          await createRule(deps, {
            ListenerArn: listener.arn,
            Priority: r.priority,
            Conditions: r.conditions,
            Actions: r.actions,
          });
      }
      // Ports the Ingress no longer listens on: their listeners go.
      for (const l of listeners) if (!want.ports.includes(l.port)) await deleteListener(deps, l.arn);
      // Target groups of backends the Ingress no longer names go.
      for (const tg of ingressTargetGroups(deps, want.uid))
        if (![...groups.values()].some((g) => g.arn === tg.arn)) await deleteTargetGroup(deps, tg.arn);
      return { hostname: lb.dnsName, ip: lb.address };
    },
    async removeIngress(uid: string) {
      const lb = describeLoadBalancers(deps, undefined, undefined).find((l) => l.name.endsWith(`-${hash(uid, 10)}`));
      if (lb) await deleteLoadBalancer(deps, lb.arn);
      for (const tg of ingressTargetGroups(deps, uid)) await deleteTargetGroup(deps, tg.arn);
    },
  };
}
