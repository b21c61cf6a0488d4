import type { KubeObject } from './meta.js';
import { notImplemented, type Cause } from './names.js';
import { selectorCauses, type LabelSelectorSpec } from './label-selector.js';
import { defaultPod, podCauses } from './pod-rules.js';
import { claimCauses, type ClaimSpec } from './storage-kinds.js';

/** What the API server checks and defaults in a ReplicaSet or Deployment. */
interface WorkloadSpecShape {
  replicas?: number;
  selector?: LabelSelectorSpec;
  template?: { metadata?: { labels?: Record<string, string> }; spec?: KubeObject };
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  minReadySeconds?: number;
}

export const workloadSpecOf = (o: KubeObject) => (o['spec'] ?? {}) as WorkloadSpecShape;

export type WorkloadKind = 'ReplicaSet' | 'Deployment' | 'DaemonSet' | 'StatefulSet';

export function defaultWorkload(o: KubeObject, kind: WorkloadKind): void {
  const s = workloadSpecOf(o);
  if (kind === 'StatefulSet') {
    const st = s as {
      podManagementPolicy?: string;
      updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
      persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
    };
    st.podManagementPolicy ??= 'OrderedReady';
    st.updateStrategy ??= {};
    st.updateStrategy.type ??= 'RollingUpdate';
    if (st.updateStrategy.type === 'RollingUpdate') {
      st.updateStrategy.rollingUpdate ??= {};
      st.updateStrategy.rollingUpdate.partition ??= 0;
    }
    st.persistentVolumeClaimRetentionPolicy ??= {};
    st.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
    st.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
    s.revisionHistoryLimit ??= 10;
  }
  if (kind === 'DaemonSet') {
    const d = s as {
      updateStrategy?: {
        type?: string;
        rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
      };
    };
    d.updateStrategy ??= {};
    d.updateStrategy.type ??= 'RollingUpdate';
    if (d.updateStrategy.type === 'RollingUpdate') {
      d.updateStrategy.rollingUpdate ??= {};
      d.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      d.updateStrategy.rollingUpdate.maxSurge ??= 0;
    }
    s.revisionHistoryLimit ??= 10;
  } else s.replicas ??= 1;
  if (kind === 'Deployment') {
    s.strategy ??= {};
    s.strategy.type ??= 'RollingUpdate';
    if (s.strategy.type === 'RollingUpdate') {
      s.strategy.rollingUpdate ??= {};
      s.strategy.rollingUpdate.maxSurge ??= '25%';
      s.strategy.rollingUpdate.maxUnavailable ??= '25%';
    }
    s.revisionHistoryLimit ??= 10;
    s.progressDeadlineSeconds ??= 600;
  }
  if (s.template?.spec) {
    // The template's pod spec gets a pod's defaults (and no status: it is not a pod).
    const pod: KubeObject = { spec: s.template.spec, status: {} };
    defaultPod(pod);
  }
}

export function workloadCauses(o: KubeObject): Cause[] {
  const s = workloadSpecOf(o);
  const causes: Cause[] = [];
  const sts = s as {
    volumeClaimTemplates?: { metadata?: { name?: string }; spec?: ClaimSpec }[];
    updateStrategy?: { rollingUpdate?: { maxUnavailable?: unknown } };
  };
  for (const [i, t] of (sts.volumeClaimTemplates ?? []).entries()) {
    if (!t.metadata?.name)
      causes.push({ field: `spec.volumeClaimTemplates[${i}].metadata.name`, message: 'Required value' });
    causes.push(...claimCauses(`spec.volumeClaimTemplates[${i}].spec`, t.spec ?? {}));
  }
  if (sts.updateStrategy?.rollingUpdate?.maxUnavailable !== undefined && o['kind'] === 'StatefulSet')
    causes.push(notImplemented('spec.updateStrategy.rollingUpdate.maxUnavailable', 'maxUnavailable for StatefulSets'));
  if ((s.replicas ?? 0) < 0)
    causes.push({
      field: 'spec.replicas',
      message: `Invalid value: ${s.replicas}: must be greater than or equal to 0`,
    });
  causes.push(...selectorCauses(s.selector, s.template?.metadata?.labels));
  // A container may mount a claim template by its name, as it mounts a volume.
  const claimed = (sts.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata?.name ?? '',
    persistentVolumeClaim: { claimName: t.metadata?.name ?? '' },
  }));
  if (s.template?.spec)
    causes.push(
      ...podCauses({
        spec: claimed.length
          ? { ...s.template.spec, volumes: [...((s.template.spec['volumes'] ?? []) as object[]), ...claimed] }
          : s.template.spec,
      }).map((c) => ({ field: `spec.template.${c.field}`, message: c.message })),
    );
  return causes;
}

/** An int-or-percent (maxSurge, maxUnavailable) of a replica count, rounded up or down. */
export function scaled(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d{1,3})%$/.exec(v);
  if (!m) return Number.parseInt(v, 10) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}
