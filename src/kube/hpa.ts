import { every, type Logger } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { recordEvent } from './events.js';
import { hpaSpecOf, HPA, type MetricSpec, type ScalingRules } from './hpa-kind.js';
import { DEPLOYMENT, POD, REPLICA_SET, REPLICATION_CONTROLLER, STATEFUL_SET, type KindDef } from './kinds.js';
import { rcSelector } from './core-workload-kinds.js';
import { matchesSelector, type LabelSelectorSpec } from './label-selector.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { updateObject } from './objects.js';
import { writeStatus } from './owned-pods.js';
import { isActive } from './owners.js';
import { cpuQuantity, memoryQuantity, type PodUsage } from './pod-usage.js';
import { bytes, milliCpu } from './quantity.js';
import { timestamp } from './write-rules.js';

const TARGETS: Readonly<Record<string, KindDef>> = {
  Deployment: DEPLOYMENT,
  ReplicaSet: REPLICA_SET,
  StatefulSet: STATEFUL_SET,
  ReplicationController: REPLICATION_CONTROLLER,
};
/** Ratios this close to 1 change nothing (the controller's default tolerance). */
const TOLERANCE = 0.1;
const COMPONENT = 'horizontal-pod-autoscaler';

/** Each autoscaler's recent recommendations (by `<ns>/<name>`), for the stabilization windows. */
export type Recommendations = Map<string, { at: number; replicas: number }[]>;

type Condition = {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
};
type Reading = { metric: MetricSpec; replicas: number; current: { averageUtilization?: number; averageValue: string } };

/** A metric's proposal: the replicas its current use over its target asks for, or why there is none. */
function propose(
  metric: MetricSpec,
  pods: KubeObject[],
  usage: PodUsage,
  key: (p: KubeObject) => string,
  now: number,
  current: number,
): Reading | string {
  const r = metric.resource as NonNullable<MetricSpec['resource']>;
  const cpu = r.name === 'cpu';
  let used = 0;
  let requested = 0;
  let counted = 0;
  for (const p of pods) {
    const u = usage.of(key(p), now);
    if (!u) continue;
    counted++;
    used += cpu ? u.cpuCores * 1000 : u.memoryBytes;
    for (const c of (
      p['spec'] as { containers: { name: string; resources?: { requests?: Record<string, string | number> } }[] }
    ).containers) {
      const q = c.resources?.requests?.[r.name];
      const v = q === undefined ? undefined : cpu ? milliCpu(q) : bytes(q);
      if (v === undefined && r.target.type === 'Utilization')
        return `failed to get ${r.name} utilization: missing request for ${r.name} in container ${c.name} of Pod ${metaOf(p).name ?? ''}`;
      requested += v ?? 0;
    }
  }
  if (!counted) return `unable to get metrics for resource ${r.name}: no metrics returned from resource metrics API`;
  const average = used / counted;
  const averageValue = cpu ? cpuQuantity(average / 1000) : memoryQuantity(average);
  if (r.target.type === 'Utilization') {
    const utilization = Math.round((used / requested) * 100);
    const ratio = utilization / (r.target.averageUtilization as number);
    const replicas = Math.abs(ratio - 1) <= TOLERANCE ? current : Math.ceil(ratio * counted);
    return { metric, replicas, current: { averageUtilization: utilization, averageValue } };
  }
  const want = cpu ? milliCpu(r.target.averageValue ?? 0) : bytes(r.target.averageValue ?? 0);
  const ratio = want ? average / want : 1;
  return {
    metric,
    replicas: Math.abs(ratio - 1) <= TOLERANCE ? current : Math.ceil(ratio * counted),
    current: { averageValue },
  };
}

/** The most a step may move, by the behavior's policies (one step per pass). */
function limit(rules: ScalingRules | undefined, current: number, up: boolean): number {
  if (rules?.selectPolicy === 'Disabled') return current;
  const bounds = (rules?.policies ?? []).map((p) =>
    up
      ? p.type === 'Pods'
        ? current + p.value
        : Math.ceil(current * (1 + p.value / 100))
      : p.type === 'Pods'
        ? current - p.value
        : Math.floor(current * (1 - p.value / 100)),
  );
  if (!bounds.length) return up ? Infinity : 0;
  const pick = rules?.selectPolicy === 'Min' ? (up ? Math.min : Math.max) : up ? Math.max : Math.min;
  return pick(...bounds);
}

/**
 * One pass of the HorizontalPodAutoscaler controller for one autoscaler: its target's pods' use
 * (metrics.k8s.io, as the hosts report it) against each metric's target; the most replicas any
 * metric asks for, within min and max, held by the stabilization windows and the behavior's
 * policies; the target scaled, a SuccessfulRescale event, and the status `kubectl get hpa` reads.
 */
export async function syncHpa(
  deps: KubeDeps,
  cluster: string,
  hpa: KubeObject,
  usage: PodUsage,
  memory: Recommendations,
): Promise<void> {
  const m = metaOf(hpa);
  const ns = m.namespace ?? '';
  const id = `${ns}/${m.name ?? ''}`;
  const s = hpaSpecOf(hpa);
  const now = deps.clock.now().getTime();
  const at = timestamp(deps);
  const prev = (hpa['status'] ?? {}) as { lastScaleTime?: string; conditions?: Condition[] };
  const cond = (type: string, ok: boolean, reason: string, message: string): Condition => {
    const was = prev.conditions?.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      lastTransitionTime: was?.status === status ? (was.lastTransitionTime ?? at) : at,
      reason,
      message,
    };
  };
  const key = objectKey({ cluster, kind: HPA, namespace: ns }, m.name ?? '');
  const kind = Object.hasOwn(TARGETS, s.scaleTargetRef.kind) ? TARGETS[s.scaleTargetRef.kind] : undefined;
  const target =
    kind &&
    deps.store.read(
      (tx) => tx.get(kubeObjects, objectKey({ cluster, kind, namespace: ns }, s.scaleTargetRef.name))?.value.object,
    );
  if (!kind || !target) {
    await writeStatus(deps, key, m.uid ?? '', {
      currentReplicas: 0,
      desiredReplicas: 0,
      conditions: [
        cond(
          'AbleToScale',
          false,
          'FailedGetScale',
          `the HPA controller was unable to get the target's current scale: ${kind?.plural ?? s.scaleTargetRef.kind}${kind?.group ? `.${kind.group}` : ''} "${s.scaleTargetRef.name}" not found`,
        ),
      ],
    });
    return;
  }
  const stored = (target['spec'] ?? {}) as { replicas?: number; selector?: LabelSelectorSpec };
  // A ReplicationController's selector is a plain label map.
  const spec = kind === REPLICATION_CONTROLLER ? { ...stored, selector: rcSelector(target) } : stored;
  const current = spec.replicas ?? 1;
  const podKey = (p: KubeObject) => objectKey({ cluster, kind: POD, namespace: ns }, metaOf(p).name ?? '');
  const pods = deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: POD, namespace: ns }) }))
    .map((e) => e.value.object)
    .filter((p) => isActive(p) && matchesSelector(spec.selector, metaOf(p).labels ?? {}));
  const readings = (s.metrics ?? []).map((metric) => propose(metric, pods, usage, podKey, now, current));
  const good = readings.filter((r): r is Reading => typeof r !== 'string');
  const failure = readings.find((r): r is string => typeof r === 'string');
  const min = s.minReplicas ?? 1;
  let desired = current;
  let limited: Condition = cond(
    'ScalingLimited',
    false,
    'DesiredWithinRange',
    'the desired count is within the acceptable range',
  );
  if (current > 0 && good.length && !failure) {
    const proposed = Math.max(...good.map((r) => r.replicas));
    desired = Math.min(Math.max(proposed, min), s.maxReplicas);
    if (proposed > s.maxReplicas)
      limited = cond(
        'ScalingLimited',
        true,
        'TooManyReplicas',
        'the desired replica count is more than the maximum replica count',
      );
    else if (proposed < min)
      limited = cond(
        'ScalingLimited',
        true,
        'TooFewReplicas',
        'the desired replica count is less than the minimum replica count',
      );
    // Stabilization: down to the highest recommendation of the down window, up to the lowest of the up window.
    const history = (memory.get(id) ?? []).filter((h) => now - h.at <= 3_600_000);
    history.push({ at: now, replicas: desired });
    memory.set(id, history);
    const within = (seconds: number | undefined) =>
      history.filter((h) => now - h.at <= (seconds ?? 0) * 1000).map((h) => h.replicas);
    if (desired < current)
      desired = Math.min(current, Math.max(...within(s.behavior?.scaleDown?.stabilizationWindowSeconds)));
    if (desired > current)
      desired = Math.max(current, Math.min(...within(s.behavior?.scaleUp?.stabilizationWindowSeconds)));
    desired =
      desired > current
        ? Math.min(desired, limit(s.behavior?.scaleUp, current, true))
        : Math.max(desired, limit(s.behavior?.scaleDown, current, false));
  }
  let lastScaleTime = prev.lastScaleTime;
  if (desired !== current) {
    await updateObject(deps, { cluster, kind, namespace: ns }, s.scaleTargetRef.name, (cur) => ({
      ...cur,
      spec: { ...(cur['spec'] as object), replicas: desired },
    }));
    const first = good.find((r) => r.replicas === Math.max(...good.map((x) => x.replicas)))?.metric.resource;
    const what = first
      ? `${first.name} resource${first.target.type === 'Utilization' ? ' utilization (percentage of request)' : ''}`
      : 'metrics';
    await recordEvent(
      deps,
      cluster,
      hpa,
      'Normal',
      'SuccessfulRescale',
      `New size: ${desired}; reason: ${desired > current ? `${what} above target` : 'All metrics below target'}`,
      COMPONENT,
    );
    lastScaleTime = at;
  }
  const first = good[0]?.metric.resource;
  await writeStatus(deps, key, m.uid ?? '', {
    observedGeneration: m.generation ?? 1,
    ...(lastScaleTime ? { lastScaleTime } : {}),
    currentReplicas: current,
    desiredReplicas: desired,
    ...(good.length
      ? {
          currentMetrics: good.map((r) => ({
            type: 'Resource',
            resource: { name: r.metric.resource?.name, current: r.current },
          })),
        }
      : {}),
    conditions: [
      cond(
        'AbleToScale',
        true,
        desired !== current ? 'SucceededRescale' : 'ReadyForNewScale',
        desired !== current
          ? `the HPA controller was able to update the target scale to ${desired}`
          : 'recommended size matches current size',
      ),
      failure
        ? cond(
            'ScalingActive',
            false,
            'FailedGetResourceMetric',
            `the HPA was unable to compute the replica count: ${failure}`,
          )
        : cond(
            'ScalingActive',
            true,
            'ValidMetricFound',
            `the HPA was able to successfully calculate a replica count from ${first?.name ?? 'cpu'} resource${first?.target.type === 'Utilization' ? ' utilization (percentage of request)' : ''}`,
          ),
      limited,
    ],
  });
}

/** The controller on the leader: every autoscaler of the cluster, every `periodMs` (15 s, the controller's default). */
export function startHpaController(
  deps: KubeDeps,
  cluster: string,
  usage: PodUsage,
  logger: Logger,
  periodMs = 15_000,
): { stop(): void } {
  const memory: Recommendations = new Map();
  const stop = every(periodMs, async () => {
    const all = deps.store
      .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: HPA }) }))
      .map((e) => e.value.object);
    const live = new Set(all.map((h) => `${metaOf(h).namespace ?? ''}/${metaOf(h).name ?? ''}`));
    for (const id of memory.keys()) if (!live.has(id)) memory.delete(id);
    for (const hpa of all)
      await syncHpa(deps, cluster, hpa, usage, memory).catch((e: unknown) =>
        logger.error({ hpa: metaOf(hpa).name, err: String(e) }, 'autoscaler pass failed'),
      );
  });
  return { stop };
}
