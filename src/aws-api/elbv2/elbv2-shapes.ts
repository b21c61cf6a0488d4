import type * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import type { BerthError } from '../../kernel/index.js';
import {
  DEFAULT_VPC,
  type ElbAction,
  type ElbCondition,
  type ListenerRecord,
  type LoadBalancerRecord,
  type RuleView,
  type TargetGroupRecord,
} from '../../elb/index.js';

/** ELBv2's codes for the domain's errors. */
export function elbErrorCode(e: BerthError): string | undefined {
  const { resource, reason } = e.detail;
  if (reason === 'target-invalid') return 'InvalidTargetException';
  if (reason === 'configuration-invalid') return 'InvalidConfigurationRequestException';
  if (reason === 'protocol-incompatible') return 'IncompatibleProtocolsException';
  if (reason === 'operation-not-permitted') return 'OperationNotPermittedException';
  if (reason === 'in-use') return 'ResourceInUseException';
  if (reason === 'too-many-tags') return 'TooManyTagsException';
  switch (e.kind) {
    case 'NotFound':
      return (
        {
          'load-balancer': 'LoadBalancerNotFoundException',
          'target-group': 'TargetGroupNotFoundException',
          listener: 'ListenerNotFoundException',
          rule: 'RuleNotFoundException',
          certificate: 'CertificateNotFoundException',
        } as Record<string, string>
      )[resource ?? ''];
    case 'AlreadyExists':
      return (
        {
          'load-balancer': 'DuplicateLoadBalancerNameException',
          'target-group': 'DuplicateTargetGroupNameException',
          listener: 'DuplicateListenerException',
          'rule-priority': 'PriorityInUseException',
        } as Record<string, string>
      )[resource ?? ''];
    case 'LimitExceeded':
      return resource === 'rule'
        ? 'TooManyRulesException'
        : resource === 'load-balancer'
          ? 'TooManyLoadBalancersException'
          : resource === 'certificate'
            ? 'TooManyCertificatesException'
            : undefined;
    case 'InvalidParameter':
      return 'ValidationError';
    default:
      return undefined;
  }
}

// berth's one "zone": every subnet a load balancer names is there.
const ZONE = (region: string) => `${region}a`;

export function loadBalancerOut(lb: LoadBalancerRecord, region: string): elb.LoadBalancer {
  const subnets = lb.subnets.length ? lb.subnets : ['subnet-0berth0000000000'];
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: lb.type === 'network' ? 'Z26RNL4JYFTOTI' : 'Z35SXDOTRQ7X7K',
    CreatedTime: new Date(lb.createdAt),
    LoadBalancerName: lb.name,
    Scheme: lb.scheme as elb.LoadBalancerSchemeEnum,
    VpcId: DEFAULT_VPC,
    State: { Code: 'active' },
    Type: lb.type,
    AvailabilityZones: subnets.map((s) => ({
      ZoneName: ZONE(region),
      SubnetId: s,
      ...(lb.type === 'network' ? { LoadBalancerAddresses: [{ IpAddress: lb.address }] } : {}),
    })),
    ...(lb.type === 'application' ? { SecurityGroups: lb.securityGroups } : {}),
    IpAddressType: lb.ipAddressType as elb.IpAddressType,
  };
}

export function targetGroupOut(tg: TargetGroupRecord, lbs: readonly string[]): elb.TargetGroup {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol as elb.ProtocolEnum,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol as elb.ProtocolEnum,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    ...(hc.path !== undefined ? { HealthCheckPath: hc.path } : {}),
    ...(hc.matcher !== undefined ? { Matcher: { HttpCode: hc.matcher } } : {}),
    LoadBalancerArns: [...lbs],
    TargetType: tg.targetType,
    ...(tg.protocolVersion ? { ProtocolVersion: tg.protocolVersion } : {}),
    IpAddressType: 'ipv4',
  };
}

/** Actions as ELB describes them: a forward's single target group also as its ForwardConfig. */
export function actionsOut(actions: readonly ElbAction[]): elb.Action[] {
  return actions.map((a, i) => {
    const out = { ...a, Order: a.Order ?? i + 1 } as elb.Action;
    if (a.Type === 'forward') {
      const groups = a.ForwardConfig?.TargetGroups?.length
        ? a.ForwardConfig.TargetGroups.map((t) => ({ TargetGroupArn: t.TargetGroupArn, Weight: t.Weight ?? 1 }))
        : [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }];
      out.ForwardConfig = {
        TargetGroups: groups,
        TargetGroupStickinessConfig: a.ForwardConfig?.TargetGroupStickinessConfig ?? { Enabled: false },
      };
      if (groups.length === 1) out.TargetGroupArn = groups[0]?.TargetGroupArn;
    }
    return out;
  });
}

/** Conditions as ELB describes them: path and host patterns both as Values and in their config. */
function conditionsOut(conditions: readonly ElbCondition[]): elb.RuleCondition[] {
  return conditions.map((c) => {
    if (c.Field === 'path-pattern') {
      const v = c.PathPatternConfig?.Values ?? c.Values ?? [];
      return { Field: c.Field, Values: v, PathPatternConfig: { Values: v } };
    }
    if (c.Field === 'host-header') {
      const v = c.HostHeaderConfig?.Values ?? c.Values ?? [];
      return { Field: c.Field, Values: v, HostHeaderConfig: { Values: v } };
    }
    return { ...c } as elb.RuleCondition;
  });
}

export function listenerOut(l: ListenerRecord): elb.Listener {
  return {
    ListenerArn: l.arn,
    LoadBalancerArn: l.loadBalancerArn,
    Port: l.port,
    Protocol: l.protocol as elb.ProtocolEnum,
    DefaultActions: actionsOut(l.defaultActions),
    ...(l.certificates.length ? { Certificates: l.certificates } : {}),
    ...(l.sslPolicy ? { SslPolicy: l.sslPolicy } : {}),
  };
}

export function ruleOut(r: RuleView): elb.Rule {
  return {
    RuleArn: r.arn,
    Priority: String(r.priority),
    Conditions: conditionsOut(r.conditions),
    Actions: actionsOut(r.actions),
    IsDefault: r.priority === 'default',
  };
}

export const attributesOut = (a: Record<string, string>) => Object.entries(a).map(([Key, Value]) => ({ Key, Value }));
