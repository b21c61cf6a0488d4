import type { IncomingMessage } from 'node:http';
import type { Logger } from '../kernel/index.js';
import type { AgentKey } from '../wire/index.js';
import type { HousekeepingOptions } from './housekeeping.js';
import type { PullBehavior } from './images/image-store.js';
import type { NetworkConfig } from './runtime/network.js';

export interface AgentConfig {
  /**
   * berth's endpoint, or several servers' separated by commas (servers sharing one etcd cluster):
   * the agent connects to one and, when that connection is lost or refused, to the next.
   */
  endpoint: string;
  /** A key from berth's credentials file, needed when berth runs with --auth strict. */
  credentials?: AgentKey;
  /** The region this host serves (default: berth's default region). */
  region?: string;
  /** The cluster this host is a container instance of; may be absent on a Fargate-only host. */
  cluster?: string;
  /** The host also runs tasks of the Fargate fleet. */
  fargate?: boolean;
  /** Fargate CPU offered per core, in units of 1024 (each task is held to its own share by its cgroup). */
  fargateCpuOvercommit?: number;
  dataDir: string;
  attributes: Record<string, string>;
  availabilityZone: string;
  memoryReserveMiB: number;
  network: Omit<NetworkConfig, 'dataDir'>;
  version: string;
  /** The OCI runtime: `runc` (default) or `crun`. */
  runtime?: string;
  /** Bytes a container's log may reach before it is truncated. */
  logSizeMax?: number;
  /** ECS_IMAGE_PULL_BEHAVIOR. */
  imagePullBehavior?: PullBehavior;
  /** ECS_IMAGE_CLEANUP_INTERVAL: how often housekeeping runs. */
  cleanupIntervalMs?: number;
  /** How often workloads' CPU and memory use is read and sent (default 20 s). */
  usageIntervalMs?: number;
  housekeeping?: Partial<HousekeepingOptions>;
}

/** The control plane refused the agent's connection: its reason (a JSON message, or the body) is logged. */
export function logRefusal(res: IncomingMessage, logger: Logger, done: () => void): void {
  let body = '';
  res.on('data', (d: Buffer) => (body += d.toString()));
  res.on('end', () => {
    let why = body;
    try {
      why = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      /* not JSON */
    }
    logger.error({ status: res.statusCode, reason: why }, 'the control plane refused this agent');
    done();
  });
}
