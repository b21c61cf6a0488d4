import type { KubeObject } from './object.js';

type ContainerStatus = {
  name: string;
  state?: { running?: unknown; waiting?: { reason?: string; message?: string }; terminated?: unknown };
};

/** The kubelet's events for what a report changed: containers started, or failing to. */
export function podEvents(
  pod: KubeObject,
  status: Record<string, unknown>,
): [KubeObject, 'Normal' | 'Warning', string, string][] {
  const prev = (pod['status'] ?? {}) as {
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
  const before = new Map(
    [...(prev.initContainerStatuses ?? []), ...(prev.containerStatuses ?? [])].map((c) => [c.name, c]),
  );
  const out: [KubeObject, 'Normal' | 'Warning', string, string][] = [];
  const all = [
    ...((status['initContainerStatuses'] ?? []) as ContainerStatus[]),
    ...((status['containerStatuses'] ?? []) as ContainerStatus[]),
  ];
  for (const c of all) {
    const was = before.get(c.name);
    if (c.state?.running && !was?.state?.running) out.push([pod, 'Normal', 'Started', `Started container ${c.name}`]);
    const why = c.state?.waiting?.reason;
    if (why && (why === 'ErrImagePull' || why === 'CreateContainerError') && was?.state?.waiting?.reason !== why)
      out.push([pod, 'Warning', 'Failed', `Error: ${c.state?.waiting?.message ?? why}`]);
  }
  return out;
}
