import { createHash } from 'node:crypto';
import {
  addListenerCertificates,
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
  removeListenerCertificates,
  DEFAULT_VPC,
  type ElbAction,
  type ElbCondition,
  type ElbDeps,
  type LoadBalancerRecord,
  type TargetGroupRecord,
} from '../elb/index.js';
import { ensureTargets, findTg, unlessMissing } from './kube-elb-shared.js';
import { IngressModelError, type IngressLoadBalancerPort, type WantedIngressLoadBalancer } from '../kube/index.js';

/**
 * Kubernetes Ingresses of the ALB class on berth's ELB, as the AWS Load Balancer Controller makes
 * them: an application load balancer `k8s-<namespace>-<name>-<hash>`, tagged with the Ingress
 * (`ingress.k8s.aws/stack`, `elbv2.k8s.aws/cluster`); its listeners (HTTP:80 by default), whose
 * rules (priority 1, 2, … in the Ingress's order) match host and path and forward to an `ip`
 * target group per Service port (`k8s-<hash>`), kept in step with the ready endpoints; anything
 * else gets the default backend or a fixed 404. HTTPS listeners serve ACM's certificates: the
 * first the default, the others by SNI.
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

type WantedRule = { priority: number; conditions: ElbCondition[]; actions: ElbAction[] };
const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-2016-08';

/**
 * The certificates an Ingress's HTTPS listeners serve, the default first: those certificate-arn
 * names, else one ACM certificate per host of the Ingress (as the controller discovers them:
 * none or several for a host is an error).
 */
function certificatesOf(deps: ElbDeps, want: WantedIngressLoadBalancer): string[] {
  if (!want.settings.listeners.some((l) => l.protocol === 'HTTPS')) return [];
  if (want.settings.certificateArns.length) return want.settings.certificateArns;
  const found: string[] = [];
  for (const host of want.hosts) {
    const arns = deps.certificates?.covering?.(host) ?? [];
    if (!arns.length) throw new IngressModelError(`none certificate found for host: ${host}`);
    if (arns.length > 1)
      throw new IngressModelError(`multiple certificate found for host: ${host}, certARNs: ${arns.join(', ')}`);
    if (!found.includes(arns[0] as string)) found.push(arns[0] as string);
  }
  if (!found.length)
    throw new IngressModelError(
      'HTTPS listeners need a certificate: the certificate-arn annotation, or hosts to discover one by',
    );
  return found;
}

/**
 * The Ingress's listeners: each port's protocol, default action and rules (an HTTP listener
 * under ssl-redirect has only the redirect, as the controller makes it), an HTTPS one's
 * certificates and policy; ports no longer listened on go.
 */
async function ensureListeners(
  deps: ElbDeps,
  lb: LoadBalancerRecord,
  want: WantedIngressLoadBalancer,
  certs: string[],
  actions: { fallback: ElbAction[]; rules: WantedRule[] },
): Promise<void> {
  const { listeners: ports, sslRedirect, sslPolicy = DEFAULT_SSL_POLICY } = want.settings;
  const { fallback, rules: wanted } = actions;
  const shape = (rs: { priority: number | 'default'; conditions: ElbCondition[]; actions: ElbAction[] }[]) =>
    JSON.stringify(rs.map((r) => [r.priority, r.conditions, r.actions.map((a) => a.TargetGroupArn)]));
  const existing = describeListeners(deps, { LoadBalancerArn: lb.arn });
  for (const { port, protocol } of ports) {
    const redirect = protocol === 'HTTP' && sslRedirect !== undefined;
    const defaults: ElbAction[] = redirect
      ? [
          {
            Type: 'redirect',
            RedirectConfig: { Protocol: 'HTTPS', Port: String(sslRedirect), StatusCode: 'HTTP_301' },
          } as ElbAction,
        ]
      : fallback;
    const secure =
      protocol === 'HTTPS' ? { Certificates: [{ CertificateArn: certs[0] as string }], SslPolicy: sslPolicy } : {};
    let listener = existing.find((l) => l.port === port);
    if (!listener)
      listener = await createListener(
        deps,
        { LoadBalancerArn: lb.arn, Port: port, Protocol: protocol, DefaultActions: defaults, ...secure },
        portFree,
      );
    else if (
      listener.protocol !== protocol ||
      JSON.stringify(listener.defaultActions) !== JSON.stringify(defaults) ||
      (protocol === 'HTTPS' &&
        (listener.certificates[0]?.CertificateArn !== certs[0] || listener.sslPolicy !== sslPolicy))
    )
      listener = await modifyListener(
        deps,
        listener.arn,
        { Protocol: protocol, DefaultActions: defaults, ...secure },
        portFree,
      );
    if (protocol === 'HTTPS') {
      const list = listener.sniCertificates ?? [];
      const extra = certs.slice(1);
      const stale = list.filter((a) => !extra.includes(a));
      const missing = extra.filter((a) => !list.includes(a));
      if (stale.length)
        await removeListenerCertificates(
          deps,
          listener.arn,
          stale.map((a) => ({ CertificateArn: a })),
        );
      if (missing.length)
        await addListenerCertificates(
          deps,
          listener.arn,
          missing.map((a) => ({ CertificateArn: a })),
        );
    }
    const rules = redirect ? [] : wanted;
    const have = describeRules(deps, { ListenerArn: listener.arn }).filter((r) => r.priority !== 'default');
    if (shape(have) === shape(rules)) continue;
    for (const r of have) await deleteRule(deps, r.arn);
    for (const r of rules)
      await createRule(deps, {
        ListenerArn: listener.arn,
        Priority: r.priority,
        Conditions: r.conditions,
        Actions: r.actions,
      });
  }
  for (const l of existing) if (!ports.some((p) => p.port === l.port)) await deleteListener(deps, l.arn);
}

export function kubeIngressBalancers(deps: ElbDeps): IngressLoadBalancerPort {
  return {
    async ensureIngress(want: WantedIngressLoadBalancer) {
      // Certificates are found before anything is made: a host without one makes nothing.
      const certs = certificatesOf(deps, want);
      const lb =
        findLb(deps, lbName(want)) ??
        (await createLoadBalancer(deps, {
          Name: lbName(want),
          Type: 'application',
          Scheme: want.settings.internal ? 'internal' : 'internet-facing',
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
            HealthCheckPath: want.settings.healthCheckPath,
            HealthCheckIntervalSeconds: 15,
            HealthCheckTimeoutSeconds: 5,
            HealthyThresholdCount: 2,
            UnhealthyThresholdCount: 2,
            Matcher: { HttpCode: want.settings.successCodes },
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
      const wanted: WantedRule[] = want.rules.map((r, i) => ({
        priority: i + 1,
        conditions: [
          ...(r.host ? [{ Field: 'host-header', HostHeaderConfig: { Values: [r.host] } }] : []),
          { Field: 'path-pattern', PathPatternConfig: { Values: r.paths } },
        ] as ElbCondition[],
        actions: forward(r.backend),
      }));
      await ensureListeners(deps, lb, want, certs, { fallback, rules: wanted });
      // Target groups of backends the Ingress no longer names go.
      for (const tg of ingressTargetGroups(deps, want.uid))
        if (![...groups.values()].some((g) => g.arn === tg.arn)) await deleteTargetGroup(deps, tg.arn);
      return { hostname: lb.dnsName, ip: lb.address };
    },
    async removeIngress(ingress) {
      // Its name is derived from the Ingress's, as when it was made.
      const lb = findLb(deps, lbName(ingress));
      if (lb) await deleteLoadBalancer(deps, lb.arn);
      for (const tg of ingressTargetGroups(deps, ingress.uid)) await deleteTargetGroup(deps, tg.arn);
    },
  };
}
