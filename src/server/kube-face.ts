import {
  AgentSessions,
  containerInstances,
  FLEET,
  type ContainerInstanceRecord,
  type ControlPlaneDeps,
} from '../control-plane/index.js';
import { httpsWebhookClient } from './webhook-client.js';
import type { Clock, Logger } from '../kernel/index.js';
import { KUBE_CLUSTER_ATTRIBUTE, NO_ROUTES } from '../wire/index.js';
import {
  KUBE_CLUSTER,
  PodHosts,
  PodUsage,
  ServiceRoutesView,
  VolumeRemovals,
  type HostSource,
  type KubeDeps,
  type PodExecSource,
  type PodLogSource,
} from '../kube/index.js';

/** The ECS cluster whose container instances are the Kubernetes cluster's nodes (the local agent's). */
export const NODE_POOL = 'default';

/** The Kubernetes cluster a host is a node of: its agent's `--kube-cluster`, else `default` for the hosts of the node pool. */
const kubeClusterOf = (i: ContainerInstanceRecord) =>
  i.attributes.find((a) => a.name === KUBE_CLUSTER_ATTRIBUTE)?.value ?? (i.cluster === NODE_POOL ? KUBE_CLUSTER : '');

/**
 * Kubernetes over the default region: its objects in the region's store, its pods sent to the
 * hosts of the ECS cluster `default` through the agent gateway (as the gateway's other face),
 * their output read through the agents' sessions.
 */
export function kubeFace(controlPlane: ControlPlaneDeps, clock: Clock, logger: Logger, sessions: AgentSessions) {
  const deps: KubeDeps = { store: controlPlane.store, clock, logger, webhooks: httpsWebhookClient() };
  const pods = new PodHosts(deps, KUBE_CLUSTER, logger);
  // The ECS cluster each node's host joined, whose agent session serves it.
  const poolOf = new Map<string, string>();
  const hosts: HostSource = {
    hosts: () => {
      const nodes = new Map<string, ContainerInstanceRecord>();
      for (const e of controlPlane.store.read((tx) => tx.list(containerInstances))) {
        const i = e.value as ContainerInstanceRecord;
        // A host of several pools has a row in each: the one of its own cluster, not the fleet's.
        if (i.cluster !== FLEET && i.status === 'ACTIVE' && kubeClusterOf(i) === KUBE_CLUSTER) nodes.set(i.id, i);
      }
      poolOf.clear();
      for (const i of nodes.values()) poolOf.set(i.id, i.cluster);
      return [...nodes.values()].map((i) => ({
        id: i.id,
        name: i.hostname ?? i.id,
        cpu: i.registeredResources.cpu,
        memory: i.registeredResources.memory,
        connected: i.agentConnected,
        ...(i.address ? { address: i.address } : {}),
        ...(i.agentVersion ? { agentVersion: i.agentVersion } : {}),
      }));
    },
  };
  // A node's agent session, through which its pods' output is read and commands run.
  const sessionOf = (hostId: string) => {
    const session = sessions.get(poolOf.get(hostId) ?? NODE_POOL, hostId);
    if (!session) throw new Error(`the agent of node host ${hostId} is not connected`);
    return session;
  };
  const logs: PodLogSource = {
    read: (hostId, workloadId, container, q) => sessionOf(hostId).requestLogs({ taskId: workloadId, container, ...q }),
  };
  const exec: PodExecSource = { open: (hostId, q, listener) => sessionOf(hostId).openExec(q, listener) };
  const routes = new ServiceRoutesView(deps, KUBE_CLUSTER);
  const usage = new PodUsage((id) => pods.podKey(id));
  // The gateway sends hosts the pods bound to their nodes and the Services' routes, and hands
  // this face the pods' reports.
  const removals = new VolumeRemovals(deps, KUBE_CLUSTER);
  controlPlane.foreign = {
    forHost: (h) => pods.forHost(h),
    // A host hears of its pods' changes and of its local-path volumes to remove.
    watch: (l) => {
      const unwatchPods = pods.watch(l);
      const unwatchVolumes = removals.watch((node) => {
        const host = pods.hostOfNodeName(node);
        if (host) l(host);
      });
      return () => {
        unwatchPods();
        unwatchVolumes();
      };
    },
    volumeRemovals: (h) => {
      const node = pods.nodeName(h.id);
      return node ? removals.forNode(node) : [];
    },
    volumesRemoved: async (h, ids) => {
      const node = pods.nodeName(h.id);
      if (node) await removals.removed(node, ids);
    },
    owns: (id) => pods.owns(id),
    report: (h, r) => pods.report(h, r),
    usage: (_h, msg) => usage.record(msg),
    // A node serves the cluster's Services while pods are bound to it: a host running ECS tasks
    // only takes no address of the service range and no port 53 of its own.
    routes: (h) => {
      const state = pods.nodeState(h.id);
      return state === 'pods' ? routes.routes() : state === 'empty' ? NO_ROUTES : undefined;
    },
    watchRoutes: (l) => routes.watch(l),
  };
  return { deps, pods, hosts, logs, exec, routes, usage };
}
