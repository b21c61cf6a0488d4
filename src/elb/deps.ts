import type { Clock } from '../kernel/index.js';
import type { Store } from '../store/index.js';

/** Where an `instance` target lives: a host's address, by the id ELB knows it by. */
export interface HostDirectory {
  /** The host's address for an instance id (an EC2 instance id or a container instance id). */
  addressOf(instanceId: string): string | undefined;
}

export interface ElbDeps {
  store: Store;
  clock: Clock;
  accountId: string;
  region: string;
  hosts: HostDirectory;
  /**
   * The loopback addresses load balancers take, one each (`127.77.0.0/16` by default): each
   * listens on its own, so two can both use port 80 as on AWS.
   */
  addressPrefix?: string;
}

export const nowMs = (deps: ElbDeps) => deps.clock.now().getTime();
