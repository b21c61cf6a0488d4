import { defineTable } from '../store/index.js';

export interface ElbTag {
  Key: string;
  Value?: string;
}

/** An action as ELBv2 takes it (forward, redirect, fixed-response), kept as the user sent it. */
export interface ElbAction {
  Type: string;
  Order?: number;
  TargetGroupArn?: string;
  ForwardConfig?: {
    TargetGroups?: { TargetGroupArn?: string; Weight?: number }[];
    TargetGroupStickinessConfig?: { Enabled?: boolean; DurationSeconds?: number };
  };
  RedirectConfig?: {
    Protocol?: string;
    Port?: string;
    Host?: string;
    Path?: string;
    Query?: string;
    StatusCode: string;
  };
  FixedResponseConfig?: { MessageBody?: string; StatusCode: string; ContentType?: string };
}

/** A rule's condition as ELBv2 takes it. */
export interface ElbCondition {
  Field?: string;
  Values?: string[];
  HostHeaderConfig?: { Values?: string[] };
  PathPatternConfig?: { Values?: string[] };
  HttpHeaderConfig?: { HttpHeaderName?: string; Values?: string[] };
  QueryStringConfig?: { Values?: { Key?: string; Value?: string }[] };
  HttpRequestMethodConfig?: { Values?: string[] };
  SourceIpConfig?: { Values?: string[] };
}

export interface LoadBalancerRecord {
  name: string;
  /** 16 hex digits, the last part of its ARN. */
  id: string;
  arn: string;
  type: 'application' | 'network';
  scheme: string;
  ipAddressType: string;
  dnsName: string;
  /** The loopback address its listeners bind. */
  address: string;
  createdAt: number;
  securityGroups: string[];
  subnets: string[];
  attributes: Record<string, string>;
  tags: ElbTag[];
}

export interface HealthCheck {
  protocol: string;
  port: string;
  path?: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  matcher?: string;
  enabled: boolean;
}

export interface TargetGroupRecord {
  name: string;
  id: string;
  arn: string;
  targetType: 'instance' | 'ip';
  protocol: string;
  protocolVersion?: string;
  port: number;
  vpcId: string;
  healthCheck: HealthCheck;
  attributes: Record<string, string>;
  tags: ElbTag[];
  createdAt: number;
}

export interface ListenerRecord {
  /** `<load balancer id>/<listener id>`. */
  key: string;
  id: string;
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  defaultActions: ElbAction[];
  /** The default certificate (HTTPS). */
  certificates: { CertificateArn?: string }[];
  /** The certificate list (AddListenerCertificates): served to clients that ask for their names by SNI. */
  sniCertificates?: string[];
  sslPolicy?: string;
  tags: ElbTag[];
}

export interface RuleRecord {
  /** `<listener id>/<rule id>`. */
  key: string;
  id: string;
  arn: string;
  listenerArn: string;
  priority: number;
  conditions: ElbCondition[];
  actions: ElbAction[];
  tags: ElbTag[];
}

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

export interface TargetRecord {
  /** `<target group id>/<target id>/<port>`. */
  key: string;
  targetGroupArn: string;
  targetId: string;
  port: number;
  availabilityZone?: string;
  state: TargetState;
  reason?: string;
  description?: string;
  registeredAt: number;
  /** While draining: when the deregistration delay ends and the target goes. */
  drainUntil?: number;
}

export const loadBalancers = defineTable<LoadBalancerRecord>('elb.load-balancers', (r) => r.name);
export const targetGroups = defineTable<TargetGroupRecord>('elb.target-groups', (r) => r.name);
export const listeners = defineTable<ListenerRecord>('elb.listeners', (r) => r.key);
export const rules = defineTable<RuleRecord>('elb.rules', (r) => r.key);
export const targets = defineTable<TargetRecord>('elb.targets', (r) => r.key);

/** The tables the data plane follows. */
export const ELB_TABLES = [loadBalancers.name, targetGroups.name, listeners.name, rules.name, targets.name];
