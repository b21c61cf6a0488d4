import type { Clock, PublishMetrics } from '../kernel/index.js';
import type { SharedStore } from '../store/index.js';

/** Where an `instance` target lives: a host's address, by the id ELB knows it by. */
export interface HostDirectory {
  /** The host's address for an instance id (an EC2 instance id or a container instance id). */
  addressOf(instanceId: string): string | undefined;
}

/** A certificate as a listener serves it: PEM text. */
export interface ListenerCertificate {
  certificate: string;
  chain?: string;
  privateKey: string;
  /** The names it is for (its domain and alternative names), which SNI picks it by. */
  names?: string[];
}

/** The certificates HTTPS listeners may name (ACM's imported ones). */
export interface CertificateSource {
  /** The certificate for an ARN with its private key; undefined for none. */
  pem(arn: string): ListenerCertificate | undefined;
  /** The ARNs of the certificates whose names cover a host name (for controllers that discover them). */
  covering?(host: string): string[];
}

export interface ElbDeps {
  store: SharedStore;
  clock: Clock;
  accountId: string;
  region: string;
  hosts: HostDirectory;
  /** Where HTTPS listeners' certificates come from (none: HTTPS listeners are refused). */
  certificates?: CertificateSource;
  /**
   * The loopback addresses load balancers take, one each (`127.77.0.0/16` by default): each
   * listens on its own, so two can both use port 80 as on AWS.
   */
  addressPrefix?: string;
  /** Publishes the data plane's metrics (AWS/ApplicationELB) to CloudWatch; none: nothing is. */
  publishMetrics?: PublishMetrics;
}

export const nowMs = (deps: ElbDeps) => deps.clock.now().getTime();
