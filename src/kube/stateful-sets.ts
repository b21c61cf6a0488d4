import { scaled } from './apps-rules.js';
import type { KubeDeps } from './deps.js';
import { recordRevision } from './controller-revisions.js';
import { recordEvent } from './events.js';
import { STATEFUL_SET } from './kinds.js';
import { createUnlessExists } from './objects.js';
import { PERSISTENT_VOLUME_CLAIM } from './storage-kinds.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { createOwnedPod, deleteOwnedPod, writeStatus, type PodTemplate } from './owned-pods.js';
import { isAvailable, isReady, templateHash } from './owners.js';
import { claimPods } from './pod-claims.js';

const HASH = 'controller-revision-hash';
const COMPONENT = 'statefulset-controller';

type StatefulSpec = {
  replicas?: number;
  template?: PodTemplate;
  serviceName?: string;
  podManagementPolicy?: string;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number | string } };
  minReadySeconds?: number;
  ordinals?: { start?: number };
  selector?: { matchLabels?: Record<string, string> };
  volumeClaimTemplates?: { metadata?: { name?: string; labels?: Record<string, string> }; spec?: object }[];
};

const phaseOf = (p: KubeObject) => (p['status'] as { phase?: string } | undefined)?.phase;
const terminal = (p: KubeObject) => phaseOf(p) === 'Succeeded' || phaseOf(p) === 'Failed';
const running = (p: KubeObject) => phaseOf(p) === 'Running' && isReady(p) && !metaOf(p).deletionTimestamp;

/**
 * The StatefulSet controller: pods with stable names `<set>-<ordinal>` (their hostname, under the
 * set's service as subdomain), made in order with OrderedReady (each once the ones before it are
 * Running and Ready) or all at once with Parallel, removed from the highest ordinal down; a pod
 * that failed is deleted and made again under its name; a new template rolls out from the highest
 * ordinal down to the partition, one pod at a time, each once the others are ready. Each pod has
 * its own claims from the set's volumeClaimTemplates.
 */
export async function syncStatefulSet(deps: KubeDeps, cluster: string, namespace: string, name: string): Promise<void> {
  const scope = { cluster, kind: STATEFUL_SET, namespace };
  const entry = deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)));
  if (!entry || metaOf(entry.value.object).deletionTimestamp) return;
  const sts = entry.value.object;
  const uid = metaOf(sts).uid as string;
  const spec = (sts['spec'] ?? {}) as StatefulSpec;
  const replicas = spec.replicas ?? 1;
  const start = spec.ordinals?.start ?? 0;
  const ordered = spec.podManagementPolicy !== 'Parallel';
  const hash = templateHash(spec.template);
  const revision = `${name}-${hash}`;
  const pods = new Map<number, KubeObject>();
  // An orphan is adopted only if it is one of the set's (named `<set>-<ordinal>`).
  const member = (p: KubeObject) => {
    const n = metaOf(p).name ?? '';
    return n.startsWith(`${name}-`) && /^\d{1,9}$/.test(n.slice(name.length + 1));
  };
  const ref = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
  for (const p of await claimPods(deps, cluster, sts, ref, spec.selector, member)) {
    const m = /-(\d{1,9})$/.exec(metaOf(p).name ?? '');
    if (m && metaOf(p).name === `${name}-${m[1] as string}`) pods.set(Number(m[1]), p);
  }
  // A pod's label names its revision, `<set>-<hash>`.
  await recordRevision(
    deps,
    cluster,
    sts,
    hash,
    new Set([...pods.values()].map((p) => (metaOf(p).labels?.[HASH] ?? '').slice(name.length + 1))),
  );
  const remove = (p: KubeObject) =>
    deleteOwnedPod(
      deps,
      cluster,
      sts,
      p,
      COMPONENT,
      `delete Pod ${metaOf(p).name ?? ''} in StatefulSet ${name} successful`,
    );
  const claims = spec.volumeClaimTemplates ?? [];
  const make = async (i: number) => {
    const podName = `${name}-${i}`;
    // Each pod's claims, `<template>-<pod>`, made before it and kept after it (and after the set:
    // the Retain policy), so a pod made again under its name finds its data.
    const claimName = (t: (typeof claims)[number]) => `${t.metadata?.name ?? ''}-${podName}`;
    for (const t of claims) {
      const made = await createUnlessExists(
        deps,
        { cluster, kind: PERSISTENT_VOLUME_CLAIM, namespace },
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: claimName(t),
            labels: { ...(t.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
          },
          spec: t.spec ?? {},
        },
      );
      if (made)
        await recordEvent(
          deps,
          cluster,
          sts,
          'Normal',
          'SuccessfulCreate',
          `create Claim ${claimName(t)} Pod ${podName} in StatefulSet ${name} success`,
          COMPONENT,
        );
    }
    const templateVolumes = (
      (spec.template?.spec as { volumes?: { name: string }[] } | undefined)?.volumes ?? []
    ).filter((v) => !claims.some((t) => t.metadata?.name === v.name));
    const volumes = claims.length
      ? {
          volumes: [
            ...templateVolumes,
            ...claims.map((t) => ({
              name: t.metadata?.name ?? '',
              persistentVolumeClaim: { claimName: claimName(t) },
            })),
          ],
        }
      : {};
    await createOwnedPod(
      deps,
      cluster,
      sts,
      { apiVersion: 'apps/v1', kind: 'StatefulSet', component: COMPONENT },
      spec.template ?? {},
      {
        name: podName,
        labels: {
          [HASH]: revision,
          'statefulset.kubernetes.io/pod-name': podName,
          'apps.kubernetes.io/pod-index': String(i),
        },
        spec: { hostname: podName, ...(spec.serviceName ? { subdomain: spec.serviceName } : {}), ...volumes },
        event: `create Pod ${podName} in StatefulSet ${name} successful`,
      },
    );
  };
  const wanted = (i: number) => i >= start && i < start + replicas;
  let blocked = false;
  // Up: each missing (or failed) ordinal in order; with OrderedReady, none past one not yet Running and Ready.
  for (let i = start; i < start + replicas; i++) {
    const p = pods.get(i);
    if (!p) {
      await make(i);
      blocked = true;
      if (ordered) break;
    } else if (terminal(p) && !metaOf(p).deletionTimestamp) {
      await remove(p);
      blocked = true;
      if (ordered) break;
    } else if (!running(p)) {
      blocked = true;
      if (ordered) break;
    }
  }
  // Down: the highest ordinals beyond the count go first (one at a time, with OrderedReady once the rest are ready).
  const extra = [...pods.keys()].filter((i) => !wanted(i)).sort((a, b) => b - a);
  const terminating = [...pods.values()].some((p) => metaOf(p).deletionTimestamp);
  if (extra.length && !(ordered && (blocked || terminating)))
    for (const i of ordered ? extra.slice(0, 1) : extra) {
      const p = pods.get(i) as KubeObject;
      if (!metaOf(p).deletionTimestamp) await remove(p);
    }
  // A new template: the highest outdated pod at or above the partition is replaced, when all is steady.
  const partition = scaled(spec.updateStrategy?.rollingUpdate?.partition, replicas, false);
  if (spec.updateStrategy?.type !== 'OnDelete' && !blocked && !terminating && !extra.length) {
    const outdated = [...pods.entries()]
      .filter(([i, p]) => wanted(i) && i - start >= partition && metaOf(p).labels?.[HASH] !== revision)
      .sort(([a], [b]) => b - a)[0];
    if (outdated) await remove(outdated[1]);
  }
  const now = deps.clock.now().getTime();
  const all = [...pods.values()].filter((p) => !terminal(p));
  const updated = all.filter((p) => metaOf(p).labels?.[HASH] === revision).length;
  const prev = (sts['status'] ?? {}) as { currentRevision?: string };
  const currentRevision =
    updated === replicas && all.length === replicas ? revision : (prev.currentRevision ?? revision);
  await writeStatus(deps, entry.key, uid, {
    observedGeneration: metaOf(sts).generation ?? 1,
    replicas: all.length,
    readyReplicas: all.filter(isReady).length,
    currentReplicas: all.filter((p) => metaOf(p).labels?.[HASH] === currentRevision).length,
    updatedReplicas: updated,
    currentRevision,
    updateRevision: revision,
    collisionCount: 0,
    availableReplicas: all.filter((p) => isAvailable(p, spec.minReadySeconds ?? 0, now)).length,
  });
}
