import { writeBundle, type BundleInput } from './container-bundle.js';
import { removeEphemeral } from './runtime/ephemeral.js';
import { tearDownNetwork, type NetworkConfig } from './runtime/network.js';
import { unmount } from './runtime/rootfs.js';
import { readCgroupStats, type CgroupSample } from './runtime/cgroup-stats.js';
import { containerCgroup, removeTaskCgroup } from './runtime/task-cgroup.js';
import { connectionOwnedBy } from './runtime/socket-owner.js';
import { CREDENTIALS_ADDRESS, usesTaskEndpoint, type HostCallerCheck } from './task-endpoint.js';
import { prepareSandbox } from './task-setup.js';
import type { LocalTask } from './task-state.js';

/**
 * What a task's runner does to the host besides the OCI runtime: the sandbox (on Fargate its own
 * cgroup and ephemeral storage; host ports, the network namespace, the /etc files), each
 * container's bundle, and taking them down again. The host's implementation needs root; the task
 * runner's unit tests use a twin that only records.
 */
export interface TaskPlatform {
  prepareSandbox(t: LocalTask, dir: string): Promise<void>;
  /** The network only (an agent restarted before a task started takes it down to begin again). */
  tearDownNetwork(t: LocalTask): Promise<void>;
  /** Network, cgroup and ephemeral storage, once the containers are gone. */
  removeSandbox(t: LocalTask, dir: string): Promise<void>;
  /** Writes one container's bundle (its root and config.json); resolves with the bundle's path. */
  writeBundle(b: BundleInput): Promise<string>;
  /** Unmounts a container's root where the agent mounted it. */
  unmountRoot(rootfs: string): Promise<void>;
  /** The cgroup a container goes in. */
  cgroupOf(t: LocalTask, container: string, id: string): string;
}

/** A container's cgroup: under its task's own on Fargate, else one of its own under /berth. */
const cgroupPathOf = (t: LocalTask, container: string, id: string): string =>
  t.spec.sandbox.isolation ? containerCgroup(t.spec.id, container) : `/berth/${id}`;

/**
 * Whether a connection to the task endpoint from the host's own network is one a process of this
 * host-network task opened: the socket is held by a process in one of the task's container cgroups.
 */
export const hostCallerCheck: HostCallerCheck = (t, client) =>
  connectionOwnedBy(
    client,
    { address: CREDENTIALS_ADDRESS, port: 80 },
    t.spec.containers.map((c) => cgroupPathOf(t, c.name, `${t.spec.id}-${c.name}`)),
  );

/** A running container's resource use, read from its cgroup (the task metadata /stats, usage reports). */
export const readContainerStats = (t: LocalTask, container: string): Promise<CgroupSample | undefined> =>
  readCgroupStats(cgroupPathOf(t, container, `${t.spec.id}-${container}`));

/**
 * The real host: CNI networks, cgroups, overlay mounts. `serveCredentials` makes the host's task
 * endpoint (credentials, metadata) reachable before a task that uses it starts (SDKs ask at once).
 */
export function hostPlatform(network: NetworkConfig, serveCredentials?: () => Promise<void>): TaskPlatform {
  const down = (t: LocalTask) => tearDownNetwork(network, t.spec.id, t.spec.sandbox.network.mode, t.bindings);
  return {
    async prepareSandbox(t, dir) {
      await prepareSandbox(t, dir, network);
      // A task with a role cannot do without its credentials; one that only might read its
      // metadata starts anyway (another agent on this host may hold the address's port).
      if (serveCredentials && usesTaskEndpoint(t))
        await serveCredentials().catch((e: unknown) => {
          if (t.spec.sandbox.identity) throw e;
        });
    },
    tearDownNetwork: down,
    async removeSandbox(t, dir) {
      await down(t);
      if (t.spec.sandbox.isolation) {
        await removeTaskCgroup(t.spec.id);
        await removeEphemeral(dir);
      }
    },
    writeBundle,
    unmountRoot: unmount,
    // An isolated workload's containers sit in its own cgroup, held to the workload's size.
    cgroupOf: cgroupPathOf,
  };
}
