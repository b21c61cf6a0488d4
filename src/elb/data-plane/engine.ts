import type { ListenerCertificate } from '../deps.js';
import type { ElbAction, ElbCondition } from '../tables.js';
import type { GroupView } from './balancer.js';
import type { RequestCounts } from './metrics.js';
export { routable } from './balancer.js';

/** One listener as an engine serves it: where it binds, and its rules by priority. */
export interface ListenerPlan {
  key: string;
  id: string;
  address: string;
  port: number;
  protocol: string;
  /** The listener's rules, lowest priority first (application load balancers only). */
  rules: { priority: number; conditions: ElbCondition[]; actions: ElbAction[] }[];
  defaultActions: ElbAction[];
  /** An HTTPS listener's default certificate. */
  certificate?: ListenerCertificate;
  /** Its certificate list: each served to clients whose SNI name it covers. */
  sniCertificates?: ListenerCertificate[];
}

/**
 * What serves listeners: berth's own Node proxy (`node`) or HAProxy driven by berth (`haproxy`).
 * Each pass hands it every listener and every target group with its targets' current states;
 * an engine applies the difference.
 */
export interface ListenerEngine {
  apply(listeners: readonly ListenerPlan[], groups: ReadonlyMap<string, GroupView>): Promise<void>;
  /** The requests it has forwarded so far (counters that may start again from 0 on a reload). */
  requestCounts(): Promise<RequestCounts>;
  stop(): Promise<void>;
}
