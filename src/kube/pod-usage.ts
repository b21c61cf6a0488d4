import type { UsageMessage } from '../wire/index.js';
import type { KubeDeps } from './deps.js';
import { NODE, POD } from './kinds.js';
import { listObjects } from './list.js';
import { metaOf, objectKey, type KubeObject } from './object.js';
import { rfc3339 } from './write-rules.js';

/** A pod's use over the interval between its host's last two readings (what metrics.k8s.io serves). */
export interface PodUse {
  /** When the later reading was taken (ms). */
  at: number;
  windowMs: number;
  cpuCores: number;
  memoryBytes: number;
}

/** Readings older than this are gone from the metrics (the pod stopped, or its host did). */
const STALE_MS = 90_000;

/**
 * The pods' resource use from their hosts' usage reports (the cgroup counters the agents read
 * every few seconds), kept in memory on the server the host's agent reports to: CPU as cores over
 * the last interval, memory as the last reading. What `kubectl top` and the HPA controller read.
 */
export class PodUsage {
  private readonly readings = new Map<string, { at: number; cpuNs: number }>();
  private readonly uses = new Map<string, PodUse>();

  constructor(
    /** The pod (its key) a workload id is, if it is one. */
    private readonly podOf: (workloadId: string) => string | undefined,
  ) {}

  record(msg: UsageMessage): void {
    for (const w of msg.workloads) {
      const pod = this.podOf(w.taskId);
      if (!pod) continue;
      const prev = this.readings.get(w.taskId);
      this.readings.set(w.taskId, { at: msg.at, cpuNs: w.cpuNs });
      if (!prev || msg.at <= prev.at || w.cpuNs < prev.cpuNs) continue;
      const windowMs = msg.at - prev.at;
      this.uses.set(pod, {
        at: msg.at,
        windowMs,
        cpuCores: (w.cpuNs - prev.cpuNs) / (windowMs * 1e6),
        memoryBytes: w.memoryBytes,
      });
    }
    for (const [id, r] of this.readings) if (msg.at - r.at > STALE_MS) this.readings.delete(id);
    for (const [pod, u] of this.uses) if (msg.at - u.at > STALE_MS) this.uses.delete(pod);
  }

  /** A pod's last use (by its key), unless too old to count at `now`. */
  of(podKey: string, now: number): PodUse | undefined {
    const u = this.uses.get(podKey);
    return u && now - u.at <= STALE_MS ? u : undefined;
  }
}

/** CPU as the metrics API writes it: nanocores (`12345678n`). */
export const cpuQuantity = (cores: number) => `${Math.round(cores * 1e9)}n`;
/** Memory as the metrics API writes it: KiB (`1234Ki`). */
export const memoryQuantity = (bytes: number) => `${Math.round(bytes / 1024)}Ki`;

/** What a metrics.k8s.io read answers: a PodMetrics or NodeMetrics list, or one of them (undefined: none). */
export function metricsRead(
  deps: KubeDeps,
  cluster: string,
  usage: PodUsage,
  q: { kind: 'PodMetrics' | 'NodeMetrics'; namespace?: string; name?: string; labelSelector?: string },
): KubeObject | undefined {
  const now = deps.clock.now().getTime();
  const pods = listObjects(
    deps,
    { cluster, kind: POD, ...(q.namespace !== undefined ? { namespace: q.namespace } : {}) },
    {
      ...(q.kind === 'PodMetrics' && q.labelSelector ? { labelSelector: q.labelSelector } : {}),
    },
  ).items;
  const used = pods.flatMap((p) => {
    const m = metaOf(p);
    const u = usage.of(objectKey({ cluster, kind: POD, namespace: m.namespace ?? '' }, m.name ?? ''), now);
    return u ? [{ pod: p, u }] : [];
  });
  const window = (u: PodUse) => `${Math.max(1, Math.round(u.windowMs / 1000))}s`;
  let items: KubeObject[];
  if (q.kind === 'PodMetrics') {
    items = used.map(({ pod, u }) => {
      const m = metaOf(pod);
      const containers = ((pod['spec'] as { containers?: { name: string }[] }).containers ?? []).map((c, i) => ({
        name: c.name,
        // The host reads a pod's cgroups as one: its use is given to its first container.
        usage:
          i === 0 ? { cpu: cpuQuantity(u.cpuCores), memory: memoryQuantity(u.memoryBytes) } : { cpu: '0', memory: '0' },
      }));
      return {
        metadata: { name: m.name, namespace: m.namespace, creationTimestamp: rfc3339(now), labels: m.labels ?? {} },
        timestamp: rfc3339(u.at),
        window: window(u),
        containers,
      };
    });
  } else {
    const nodes = listObjects(deps, { cluster, kind: NODE }).items;
    items = nodes.map((n) => {
      const name = metaOf(n).name ?? '';
      const mine = used.filter(({ pod }) => (pod['spec'] as { nodeName?: string }).nodeName === name);
      const latest = mine.reduce((a, { u }) => Math.max(a, u.at), 0) || now;
      return {
        metadata: { name, creationTimestamp: rfc3339(now), labels: metaOf(n).labels ?? {} },
        timestamp: rfc3339(latest),
        window: mine[0] ? window(mine[0].u) : '20s',
        // The node's use as its pods' sum (the host's own processes are not counted).
        usage: {
          cpu: cpuQuantity(mine.reduce((a, { u }) => a + u.cpuCores, 0)),
          memory: memoryQuantity(mine.reduce((a, { u }) => a + u.memoryBytes, 0)),
        },
      };
    });
  }
  const apiVersion = 'metrics.k8s.io/v1beta1';
  if (q.name !== undefined) {
    const one = items.find((i) => metaOf(i).name === q.name);
    return one ? { kind: q.kind, apiVersion, ...one } : undefined;
  }
  return { kind: `${q.kind}List`, apiVersion, metadata: {}, items };
}
