import { metaOf, type KubeObject } from './object.js';
import { specOf, type PodSpec } from './pod-rules.js';

/** What a node has left, and the pods on it (the scheduler's view). */
export interface NodeRoom {
  name: string;
  cpu: number;
  memory: number;
  pods: number;
}

export interface Need {
  cpu: number;
  memory: number;
}

const priorityOf = (p: KubeObject) => specOf(p).priority ?? 0;

/**
 * The victims of a preemption, as the default scheduler picks them where it is cheap to: among
 * the nodes a pending pod failed on for want of room only, the pods of lower priority, lowest
 * first (the newest of one priority first), until the pod fits; the node needing the fewest
 * victims (then the lowest highest priority among them) wins. None when no node can be made room
 * on, or when the pod may not preempt (`preemptionPolicy: Never`).
 */
export function preemptionVictims(
  pod: KubeObject,
  need: Need,
  short: NodeRoom[],
  placed: KubeObject[],
  requestsOf: (s: PodSpec) => Need,
): { node: string; victims: KubeObject[] } | undefined {
  const s = specOf(pod);
  if (s.preemptionPolicy === 'Never') return undefined;
  const prio = s.priority ?? 0;
  let best: { node: string; victims: KubeObject[]; top: number } | undefined;
  for (const room of short) {
    const lower = placed
      .filter((p) => specOf(p).nodeName === room.name && !metaOf(p).deletionTimestamp && priorityOf(p) < prio)
      .sort(
        (a, b) =>
          priorityOf(a) - priorityOf(b) ||
          String(metaOf(b).creationTimestamp ?? '').localeCompare(String(metaOf(a).creationTimestamp ?? '')),
      );
    let { cpu, memory, pods } = room;
    const victims: KubeObject[] = [];
    const fits = () => cpu >= need.cpu && memory >= need.memory && pods >= 1;
    for (const v of lower) {
      if (fits()) break;
      const r = requestsOf(specOf(v));
      cpu += r.cpu;
      memory += r.memory;
      pods += 1;
      victims.push(v);
    }
    if (!fits() || victims.length === 0) continue;
    const top = Math.max(...victims.map(priorityOf));
    if (!best || victims.length < best.victims.length || (victims.length === best.victims.length && top < best.top))
      best = { node: room.name, victims, top };
  }
  return best && { node: best.node, victims: best.victims };
}

/**
 * The scheduler's words on preemption, after what the nodes lacked: none possible (`Never`), or
 * how many nodes had no victims to give and how many would not have fit the pod anyway.
 */
export function preemptionWords(pod: KubeObject, total: number, short: number): string {
  if (specOf(pod).preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
  const parts = [
    ...(short ? [`${short} No preemption victims found for incoming pod`] : []),
    ...(total - short ? [`${total - short} Preemption is not helpful for scheduling`] : []),
  ];
  return `preemption: 0/${total} nodes are available: ${parts.join(', ')}.`;
}
