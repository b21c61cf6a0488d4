import type { KubeObject } from './object.js';

type ContainerStatus = {
  name: string;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string; message?: string };
    terminated?: { startedAt?: string; reason?: string };
  };
};

/** When the container's current run started: running, or ended after it ran (a report may show only its end). */
function startOf(s: ContainerStatus['state']): string | undefined {
  if (s?.running) return s.running.startedAt ?? 'running';
  const t = s?.terminated;
  if (!t || t.reason === 'StartError' || t.reason === 'CreateContainerConfigError') return undefined;
  return t.startedAt;
}

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
    // Once per run: a container that ran and ended between two reports started too.
    const started = startOf(c.state);
    if (started && !was?.state?.running && started !== startOf(was?.state))
      out.push([pod, 'Normal', 'Started', `Started container ${c.name}`]);
    const why = c.state?.waiting?.reason;
    if (why && (why === 'ErrImagePull' || why === 'CreateContainerError') && was?.state?.waiting?.reason !== why)
      out.push([pod, 'Warning', 'Failed', `Error: ${c.state?.waiting?.message ?? why}`]);
  }
  return out;
}
