import { uuid } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { NODE } from './kinds.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { removeObject } from './objects.js';
import { HOST_ID_ANNOTATION } from './pod-hosts.js';
import { timestamp } from './write-rules.js';
import { UNREACHABLE_TAINT, type Taint } from './pod-placement.js';

/** A berth host that serves a Kubernetes cluster, as the server reads it from the agents' registrations. */
export interface KubeHost {
  id: string;
  /** Its hostname, the node's name (made unique with the id when two hosts share one). */
  name: string;
  /** CPU in ECS units (1024 a core) and memory in MiB, as registered. */
  cpu: number;
  memory: number;
  connected: boolean;
  address?: string;
  agentVersion?: string;
}

export interface HostSource {
  hosts(): KubeHost[];
}

const nodeName = (h: KubeHost, dup: boolean) =>
  (dup ? `${h.name}-${h.id.slice(0, 6)}` : h.name)
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .slice(0, 253) || h.id;

/** The parts of a Node that follow its host (the rest — labels users add, taints — is the user's). */
function nodeStatus(h: KubeHost, name: string, prev: Record<string, unknown> | undefined, now: string) {
  const ready = h.connected ? 'True' : 'Unknown';
  const was = ((prev?.['conditions'] ?? []) as { type: string; status: string; lastTransitionTime?: string }[]).find(
    (c) => c.type === 'Ready',
  );
  const capacity = { cpu: String(Math.floor(h.cpu / 1024) || 1), memory: `${h.memory}Mi`, pods: '110' };
  return {
    capacity,
    allocatable: capacity,
    conditions: [
      {
        type: 'Ready',
        status: ready,
        reason: h.connected ? 'KubeletReady' : 'NodeStatusUnknown',
        message: h.connected ? 'berth agent is connected' : 'berth agent stopped posting node status',
        lastHeartbeatTime:
          was?.status === ready ? ((was as { lastHeartbeatTime?: string }).lastHeartbeatTime ?? now) : now,
        lastTransitionTime: was?.status === ready ? (was.lastTransitionTime ?? now) : now,
      },
    ],
    addresses: [
      ...(h.address ? [{ type: 'InternalIP', address: h.address }] : []),
      { type: 'Hostname', address: name },
    ],
    nodeInfo: {
      machineID: h.id,
      systemUUID: h.id,
      bootID: '',
      kernelVersion: '',
      osImage: 'berth',
      containerRuntimeVersion: 'runc',
      kubeletVersion: `v1.32.0-berth${h.agentVersion ? `.${h.agentVersion}` : ''}`,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

type NodeSpec = { taints?: Taint[]; [k: string]: unknown };

/**
 * The node lifecycle's taints: a node whose agent is gone is `unreachable` (NoSchedule, and
 * NoExecute, which evicts its pods once their tolerations run out); back, they go. The spec as
 * it was when nothing changes (the same object).
 */
function lifecycleTaints(spec: NodeSpec, connected: boolean, now: string): NodeSpec {
  const taints = spec.taints ?? [];
  const mine = taints.filter((t) => t.key === UNREACHABLE_TAINT);
  if (connected ? !mine.length : mine.length === 2) return spec;
  const others = taints.filter((t) => t.key !== UNREACHABLE_TAINT);
  const next = connected
    ? others
    : [
        ...others,
        { key: UNREACHABLE_TAINT, effect: 'NoSchedule' },
        { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: now },
      ];
  const out: NodeSpec = { ...spec };
  if (next.length) out.taints = next;
  else delete out.taints;
  return out;
}

/** Makes the cluster's Node objects match its hosts: new hosts get a node, gone ones lose theirs, status follows. */
export async function syncNodes(deps: KubeDeps, cluster: string, source: HostSource): Promise<void> {
  const hosts = source.hosts();
  const names = new Map<string, number>();
  for (const h of hosts) names.set(h.name, (names.get(h.name) ?? 0) + 1);
  const prefix = resourcePrefix({ cluster, kind: NODE });
  const now = timestamp(deps);
  await deps.store.transact((tx) => {
    const existing = new Map(
      tx
        .list(kubeObjects, { prefix })
        .map((e) => [metaOf(e.value.object).annotations?.[HOST_ID_ANNOTATION] ?? '', e] as const),
    );
    for (const h of hosts) {
      const e = existing.get(h.id);
      existing.delete(h.id);
      const prev = e?.value.object;
      // A node keeps its name when another host of the same hostname joins later.
      const name = prev ? (metaOf(prev).name ?? '') : nodeName(h, (names.get(h.name) ?? 0) > 1);
      const status = nodeStatus(h, name, prev?.['status'] as Record<string, unknown> | undefined, now);
      const spec = lifecycleTaints((prev?.['spec'] ?? {}) as NodeSpec, h.connected, now);
      if (prev && JSON.stringify(status) === JSON.stringify(prev['status']) && spec === prev['spec']) continue;
      const object: KubeObject = prev
        ? { ...prev, spec, status }
        : {
            apiVersion: 'v1',
            kind: 'Node',
            metadata: {
              name,
              uid: uuid(),
              creationTimestamp: now,
              labels: {
                'kubernetes.io/hostname': name,
                'kubernetes.io/os': 'linux',
                'kubernetes.io/arch': 'amd64',
                'beta.kubernetes.io/os': 'linux',
                'beta.kubernetes.io/arch': 'amd64',
              },
              annotations: { [HOST_ID_ANNOTATION]: h.id },
            },
            spec: { providerID: `berth:///${h.id}` },
            status,
          };
      tx.put(kubeObjects, { key: e?.key ?? objectKey({ cluster, kind: NODE }, name), object });
    }
    // Hosts no longer registered: their nodes go (pods bound there stay, as on a lost node).
    for (const [hostId, e] of existing) if (hostId) removeObject(tx, { cluster, kind: NODE }, e.key, Date.now());
  });
}
