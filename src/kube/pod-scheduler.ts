import type { KubeDeps } from './deps.js';
import { NAMESPACE, NODE, POD } from './kinds.js';
import { kubeObjects, metaOf, resourcePrefix, type KubeObject } from './object.js';
import { specOf, type PodSpec } from './pod-rules.js';
import { bytes, milliCpu } from './quantity.js';
import { timestamp } from './write-rules.js';
import { recordEvent } from './events.js';
import { claimPlacement } from './volume-binder.js';
import { isReady } from './owners.js';
import { affinityFits, preference, taintWords, untolerated } from './pod-placement.js';
import { placedOf, podAffinityProblem, podAffinityScore, type AffinityView } from './pod-affinity.js';
import { spreadProblem, spreadScore, type SpreadNodes } from './pod-spread.js';
import { preemptionVictims, preemptionWords } from './pod-preemption.js';
import { deleteObject } from './delete.js';

/**
 * Kubernetes' default scheduler, the part berth does so far: a pending pod goes to a Ready,
 * schedulable node that its nodeSelector and required node affinity match, whose NoSchedule and
 * NoExecute taints it tolerates, whose allocatable CPU, memory and pod count its requests fit in
 * (beside the pods already bound there), and that its bound persistent volumes are on; of those,
 * and that its inter-pod affinity and anti-affinity allow (pod-affinity.ts); of those, the most
 * preferred (preferred node and pod affinity, PreferNoSchedule taints), then the least requested.
 * A pod that fits nowhere is marked Unschedulable with the scheduler's message; when it fits
 * nowhere for want of room only, pods of lower priority are preempted (pod-preemption.ts) and it
 * is nominated to their node, placed there once they have gone.
 */
interface Room {
  name: string;
  node: KubeObject;
  cpu: number;
  memory: number;
  pods: number;
}

const requests = (s: PodSpec) => {
  const sum = (which: 'cpu' | 'memory') =>
    s.containers.reduce((n, c) => {
      const q = c.resources?.requests?.[which];
      return n + ((which === 'cpu' ? milliCpu(q) : bytes(q)) ?? 0);
    }, 0);
  return { cpu: sum('cpu'), memory: sum('memory') };
};

const finished = (p: KubeObject) => {
  const phase = (p['status'] as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
};

function rooms(nodes: KubeObject[], pods: KubeObject[]): Map<string, Room> {
  const out = new Map<string, Room>();
  for (const n of nodes) {
    const st = (n['status'] ?? {}) as { allocatable?: Record<string, string> };
    if (!isReady(n) || (n['spec'] as { unschedulable?: boolean } | undefined)?.unschedulable) continue;
    out.set(metaOf(n).name as string, {
      name: metaOf(n).name as string,
      node: n,
      cpu: milliCpu(st.allocatable?.['cpu']) ?? 0,
      memory: bytes(st.allocatable?.['memory']) ?? 0,
      pods: Number(st.allocatable?.['pods'] ?? 110),
    });
  }
  for (const p of pods) {
    const node = specOf(p).nodeName;
    const room = node ? out.get(node) : undefined;
    if (!room || finished(p)) continue;
    const r = requests(specOf(p));
    room.cpu -= r.cpu;
    room.memory -= r.memory;
    room.pods -= 1;
  }
  return out;
}

/** One pass over the cluster's pending pods. Returns how many were bound. */
export async function schedulePods(deps: KubeDeps, cluster: string): Promise<number> {
  const now = timestamp(deps);
  let events: [KubeObject, 'Normal' | 'Warning', string, string][] = [];
  let victims: KubeObject[] = [];
  const bound = await deps.store.transact((tx) => {
    events = [];
    victims = [];
    const pods = tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: POD }) });
    const nodes = tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: NODE }) }).map((e) => e.value.object);
    const pending = pods.filter((e) => !specOf(e.value.object).nodeName && !metaOf(e.value.object).deletionTimestamp);
    if (!pending.length) return 0;
    const free = rooms(
      nodes,
      pods.map((e) => e.value.object),
    );
    let bound = 0;
    const placedPods = pods.map((e) => e.value.object).filter((p) => specOf(p).nodeName && !finished(p));
    // The pods placed (with their nodes' labels), for inter-pod affinity; bound ones join as they go.
    const nodeByName = new Map(nodes.map((n) => [metaOf(n).name ?? '', n]));
    const view: AffinityView = {
      placed: pods
        .map((e) => e.value.object)
        .filter(
          (p) =>
            specOf(p).nodeName &&
            !finished(p) &&
            !metaOf(p).deletionTimestamp &&
            nodeByName.has(specOf(p).nodeName ?? ''),
        )
        .map((p) => placedOf(p, nodeByName.get(specOf(p).nodeName ?? '') as KubeObject)),
      namespaceLabels: new Map(
        tx
          .list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: NAMESPACE }) })
          .map((e) => [metaOf(e.value.object).name ?? '', metaOf(e.value.object).labels ?? {}]),
      ),
    };
    // At most 50 a pass: one transaction stays within etcd's 128 operations; the next pass takes the rest.
    for (const e of pending.sort((a, b) => a.createRevision - b.createRevision).slice(0, 50)) {
      const pod = e.value.object;
      const s = specOf(pod);
      const need = requests(s);
      const reasons = new Map<string, number>();
      const why = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
      let best: Room | undefined;
      let bestScore = 0;
      // The nodes it failed on for want of room only: where preempting others may make some.
      const short: Room[] = [];
      // A pod's bound volumes hold it to their node; a claim missing holds it everywhere.
      const claims = claimPlacement(tx, cluster, pod);
      // The nodes it could go to by its node affinity: the domains its spread constraints count over.
      const candidates: SpreadNodes = {
        all: [...free.values()].map((r) => r.node),
        affinity: (n) => affinityFits(s, n),
        tolerated: (n) => !untolerated(s.tolerations, n),
      };
      for (const room of free.values()) {
        if (claims.problem) {
          why(claims.problem);
          continue;
        }
        if (claims.node && room.name !== claims.node) {
          why('node(s) had volume node affinity conflict');
          continue;
        }
        if (!affinityFits(s, room.node)) {
          why("node(s) didn't match Pod's node affinity/selector");
          continue;
        }
        const taint = untolerated(s.tolerations, room.node);
        if (taint) {
          why(`node(s) had untolerated taint ${taintWords(taint)}`);
          continue;
        }
        const inter = podAffinityProblem(pod, room.node, view) ?? spreadProblem(pod, room.node, candidates, view);
        if (inter) {
          why(inter);
          continue;
        }
        const lacking =
          room.cpu < need.cpu
            ? 'Insufficient cpu'
            : room.memory < need.memory
              ? 'Insufficient memory'
              : room.pods < 1
                ? 'Too many pods'
                : undefined;
        if (lacking) {
          why(lacking);
          short.push(room);
        } else {
          // The preferred first (affinity's weights, PreferNoSchedule taints), then the least requested.
          const score =
            preference(s, room.node) +
            podAffinityScore(pod, room.node, view) +
            spreadScore(pod, room.node, candidates, view);
          if (!best || score > bestScore || (score === bestScore && room.cpu > best.cpu)) {
            best = room;
            bestScore = score;
          }
        }
      }
      const prevStatus = (pod['status'] ?? {}) as Record<string, unknown>;
      const others = ((prevStatus['conditions'] ?? []) as { type: string }[]).filter((c) => c.type !== 'PodScheduled');
      if (best) {
        best.cpu -= need.cpu;
        best.memory -= need.memory;
        best.pods -= 1;
        bound++;
        view.placed.push(placedOf(pod, best.node));
        events.push([
          pod,
          'Normal',
          'Scheduled',
          `Successfully assigned ${metaOf(pod).namespace ?? ''}/${metaOf(pod).name ?? ''} to ${best.name}`,
        ]);
        tx.put(kubeObjects, {
          key: e.key,
          object: {
            ...pod,
            spec: { ...s, nodeName: best.name },
            status: {
              ...prevStatus,
              conditions: [
                ...others,
                { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now },
              ],
            },
          },
        });
        continue;
      }
      const total = nodes.length;
      // The nodes left out before fitting: cordoned ones, and the rest not ready.
      const cordoned = nodes.filter(
        (n) => (n['spec'] as { unschedulable?: boolean } | undefined)?.unschedulable,
      ).length;
      const unready = total - free.size - cordoned;
      const all = [
        ...[...reasons].map(([r, n]) => `${n} ${r}`),
        ...(cordoned ? [`${cordoned} node(s) were unschedulable`] : []),
        ...(unready > 0 ? [`${unready} node(s) were not ready`] : []),
      ];
      // Room made by preempting lower-priority pods (unless the victims of an earlier preemption
      // are still on their way out of the node it was nominated to).
      const nominated = prevStatus['nominatedNodeName'] as string | undefined;
      const waiting =
        nominated !== undefined &&
        placedPods.some((p) => specOf(p).nodeName === nominated && metaOf(p).deletionTimestamp);
      const preempt = waiting ? undefined : preemptionVictims(pod, need, short, placedPods, requests);
      if (preempt) {
        for (const v of preempt.victims) {
          victims.push(v);
          events.push([v, 'Normal', 'Preempted', `Preempted by pod ${metaOf(pod).uid ?? ''} on node ${preempt.node}`]);
        }
        // The victims' room is not handed to another pending pod in this pass.
        const room = free.get(preempt.node);
        if (room) room.pods = Number.NEGATIVE_INFINITY;
      }
      const fitError = `0/${total} nodes are available: ${all.join(', ')}.`;
      const message =
        total === 0
          ? 'no nodes available to schedule pods'
          : preempt || waiting
            ? fitError
            : `${fitError} ${preemptionWords(pod, total, short.length)}`;
      const was = ((prevStatus['conditions'] ?? []) as { type: string; message?: string }[]).find(
        (c) => c.type === 'PodScheduled',
      );
      if (was?.message === message && !preempt) continue;
      events.push([pod, 'Warning', 'FailedScheduling', message]);
      tx.put(kubeObjects, {
        key: e.key,
        object: {
          ...pod,
          status: {
            ...prevStatus,
            phase: 'Pending',
            ...(preempt ? { nominatedNodeName: preempt.node } : {}),
            conditions: [
              ...others,
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message,
                lastProbeTime: null,
                lastTransitionTime: now,
              },
            ],
          },
        },
      });
    }
    return bound;
  });
  for (const [pod, type, reason, message] of events)
    await recordEvent(deps, cluster, pod, type, reason, message, 'default-scheduler');
  // The victims go as any pod deleted goes (their grace period given).
  for (const v of victims)
    await deleteObject(deps, { cluster, kind: POD, namespace: metaOf(v).namespace ?? '' }, metaOf(v).name ?? '').catch(
      () => undefined,
    );
  return bound;
}
