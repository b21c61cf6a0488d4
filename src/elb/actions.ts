import { invalidParameter, notImplemented } from '../kernel/index.js';
import type { ElbDeps } from './deps.js';
import type { ElbAction, ElbCondition, LoadBalancerRecord } from './tables.js';
import { targetGroupByArn } from './target-groups.js';

const bad = (message: string, field: string) => invalidParameter(message, { field, reason: 'configuration-invalid' });

/**
 * A listener's or rule's actions, checked as ELB checks them: one terminal action (forward,
 * redirect, fixed-response) last; target groups that exist, of a protocol the load balancer
 * speaks (HTTP(S) behind an application load balancer, TCP/TLS behind a network one).
 */
export function checkActions(
  deps: ElbDeps,
  lb: LoadBalancerRecord,
  actions: readonly ElbAction[],
  field: string,
): void {
  if (actions.length === 0) throw bad('At least one action must be specified', field);
  for (const [i, a] of actions.entries()) {
    const at = `${field}.member.${i + 1}`;
    if (a.Type.startsWith('authenticate')) throw notImplemented(`${a.Type} actions`);
    if (!['forward', 'redirect', 'fixed-response'].includes(a.Type))
      throw bad(`Action type '${a.Type}' is not valid`, `${at}.Type`);
    if (i !== actions.length - 1)
      throw bad('The forward, redirect or fixed-response action must be the last action', `${at}.Type`);
    if (lb.type === 'network' && a.Type !== 'forward')
      throw invalidParameter(`Action type '${a.Type}' is not supported for network load balancers`, {
        field: `${at}.Type`,
        reason: 'protocol-incompatible',
      });
    if (a.Type === 'forward') {
      const groups = [
        ...(a.TargetGroupArn ? [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }] : []),
        ...(a.ForwardConfig?.TargetGroups ?? []),
      ];
      if (groups.length === 0)
        throw bad('A target group ARN must be specified for a forward action', `${at}.TargetGroupArn`);
      if (
        a.TargetGroupArn &&
        a.ForwardConfig?.TargetGroups?.length &&
        (a.ForwardConfig.TargetGroups.length > 1 ||
          a.ForwardConfig.TargetGroups[0]?.TargetGroupArn !== a.TargetGroupArn)
      )
        throw bad(
          'You cannot specify both a target group ARN and a different forward configuration',
          `${at}.ForwardConfig`,
        );
      if (lb.type === 'network' && groups.length > 1)
        throw bad('A network load balancer forwards to one target group', `${at}.ForwardConfig`);
      for (const g of groups) {
        const tg = targetGroupByArn(deps, g.TargetGroupArn as string, `${at}.TargetGroupArn`);
        const http = tg.protocol === 'HTTP' || tg.protocol === 'HTTPS';
        if ((lb.type === 'application') !== http)
          throw invalidParameter(
            `The target group '${tg.arn}' uses protocol ${tg.protocol}, which a ${lb.type} load balancer cannot forward to`,
            {
              field: `${at}.TargetGroupArn`,
              reason: 'protocol-incompatible',
            },
          );
        if ((g.Weight ?? 1) < 0 || (g.Weight ?? 1) > 999)
          throw bad('Target group weights must be between 0 and 999', `${at}.ForwardConfig`);
      }
    }
    if (a.Type === 'fixed-response') {
      const c = a.FixedResponseConfig;
      if (!c || !/^[2-5]\d\d$/.test(c.StatusCode))
        throw bad(
          'A fixed-response action needs a status code 2XX, 4XX or 5XX',
          `${at}.FixedResponseConfig.StatusCode`,
        );
      if ((c.MessageBody ?? '').length > 1024)
        throw bad('The message body can be at most 1024 characters', `${at}.FixedResponseConfig.MessageBody`);
    }
    if (a.Type === 'redirect') {
      const c = a.RedirectConfig;
      if (!c || !['HTTP_301', 'HTTP_302'].includes(c.StatusCode))
        throw bad('A redirect action needs StatusCode HTTP_301 or HTTP_302', `${at}.RedirectConfig.StatusCode`);
    }
  }
}

const FIELDS = ['path-pattern', 'host-header', 'http-header', 'http-request-method', 'query-string', 'source-ip'];

/** A rule's conditions: known fields, each once, at least one value, at most five in all. */
export function checkConditions(conditions: readonly ElbCondition[]): void {
  if (conditions.length === 0) throw bad('A rule must have at least one condition', 'Conditions');
  let values = 0;
  const seen = new Set<string>();
  for (const [i, c] of conditions.entries()) {
    const at = `Conditions.member.${i + 1}`;
    const field = c.Field ?? '';
    if (!FIELDS.includes(field)) throw bad(`Condition field '${field}' is not valid`, `${at}.Field`);
    if (field !== 'http-header' && field !== 'query-string' && seen.has(field))
      throw bad(`Condition field '${field}' can be used only once per rule`, `${at}.Field`);
    seen.add(field);
    const vs = conditionValues(c);
    if (vs.length === 0) throw bad(`A '${field}' condition needs at least one value`, `${at}.Values`);
    values += vs.length;
    for (const v of vs) {
      if (v.length > 128) throw bad('A condition value can be at most 128 characters', `${at}.Values`);
      if (field === 'source-ip' && parseCidr(v) === undefined)
        throw bad(`'${v}' is not a valid CIDR block`, `${at}.SourceIpConfig.Values`);
    }
    if (field === 'http-request-method' && vs.some((v) => !/^[A-Z_-]{1,40}$/.test(v)))
      throw bad('A method may contain only A-Z, hyphens and underscores', `${at}.HttpRequestMethodConfig.Values`);
    // Letters, digits and the few marks header names use: nothing a proxy's configuration reads.
    if (field === 'http-header' && !/^[A-Za-z0-9._~!*+^|-]{1,40}$/.test(c.HttpHeaderConfig?.HttpHeaderName ?? ''))
      throw bad('An http-header condition needs a valid header name', `${at}.HttpHeaderConfig.HttpHeaderName`);
  }
  if (values > 5) throw bad('A rule can have at most five condition values in all', 'Conditions');
}

/** A forward action's target groups and weights (a lone `TargetGroupArn` weighs 1). */
export function actionWeights(a: ElbAction): { arn: string; weight: number }[] {
  return a.ForwardConfig?.TargetGroups?.length
    ? a.ForwardConfig.TargetGroups.map((t) => ({ arn: t.TargetGroupArn ?? '', weight: t.Weight ?? 1 }))
    : [{ arn: a.TargetGroupArn ?? '', weight: 1 }];
}

/** A condition's values in one list (the legacy `Values` and each field's config). */
export function conditionValues(c: ElbCondition): string[] {
  switch (c.Field) {
    case 'path-pattern':
      return c.PathPatternConfig?.Values ?? c.Values ?? [];
    case 'host-header':
      return c.HostHeaderConfig?.Values ?? c.Values ?? [];
    case 'http-header':
      return c.HttpHeaderConfig?.Values ?? [];
    case 'http-request-method':
      return c.HttpRequestMethodConfig?.Values ?? [];
    case 'query-string':
      return (c.QueryStringConfig?.Values ?? []).map((kv) => `${kv.Key ?? ''}=${kv.Value ?? ''}`);
    case 'source-ip':
      return c.SourceIpConfig?.Values ?? [];
    default:
      return [];
  }
}

/** An IPv4 CIDR as [network, mask], or undefined. */
export function parseCidr(text: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const ip = octets.reduce((a, o) => ((a << 8) | o) >>> 0, 0);
  return [(ip & mask) >>> 0, mask];
}
