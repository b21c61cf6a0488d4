import { BerthError } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { recordEvent } from './events.js';
import { POD } from './kinds.js';
import { kubeObjects, metaOf, type KubeObject } from './object.js';
import { createObject } from './objects.js';
import { deleteObject } from './delete.js';
import { ownerReference } from './owners.js';

/** A workload's pod template, as the ReplicaSet, Job and DaemonSet controllers read it. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: object;
}

/**
 * Makes one pod of an owner's template (named after the owner, owned by it as its controller) and
 * records the owner's SuccessfulCreate event: what every workload controller does to add a pod.
 */
export async function createOwnedPod(
  deps: KubeDeps,
  cluster: string,
  owner: KubeObject,
  ref: { apiVersion: string; kind: string; component: string },
  template: PodTemplate,
  extra: {
    labels?: Record<string, string>;
    nodeName?: string;
    /** A name of its own (a StatefulSet's `<set>-<ordinal>`), not one generated. */
    name?: string;
    /** The generated name's prefix, when not `<owner>-` (an Indexed Job's `<job>-<index>-`). */
    generateName?: string;
    /** Fields set over the template's pod spec (hostname, subdomain). */
    spec?: Record<string, unknown>;
    /** The SuccessfulCreate event's words, when not "Created pod: <name>". */
    event?: string;
  } = {},
): Promise<void> {
  let made: Awaited<ReturnType<typeof createObject>>;
  try {
    made = await createObject(
      deps,
      { cluster, kind: POD, namespace: metaOf(owner).namespace as string },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...(extra.name
            ? { name: extra.name }
            : { generateName: extra.generateName ?? `${metaOf(owner).name ?? ''}-` }),
          labels: { ...(template.metadata?.labels ?? {}), ...(extra.labels ?? {}) },
          ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
          ownerReferences: [ownerReference(owner, ref.apiVersion, ref.kind)],
        },
        spec: {
          ...(JSON.parse(JSON.stringify(template.spec ?? {})) as object),
          ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
          ...(extra.spec ?? {}),
        },
      },
    );
  } catch (e) {
    // Refused (a quota, a LimitRange, a bad template): the owner's events say so, as the controllers' do.
    if (e instanceof BerthError && e.kind !== 'Unavailable' && e.kind !== 'AlreadyExists')
      await recordEvent(deps, cluster, owner, 'Warning', 'FailedCreate', `Error creating: ${e.message}`, ref.component);
    throw e;
  }
  await recordEvent(
    deps,
    cluster,
    owner,
    'Normal',
    'SuccessfulCreate',
    extra.event ?? `Created pod: ${metaOf(made.object).name ?? ''}`,
    ref.component,
  );
}

/** Writes a controller's status of its object (still the same one, by uid), unless it is unchanged. */
export async function writeStatus(deps: KubeDeps, key: string, uid: string, status: object): Promise<void> {
  await deps.store.transact((tx) => {
    const e = tx.get(kubeObjects, key);
    if (!e || metaOf(e.value.object).uid !== uid) return;
    if (JSON.stringify(e.value.object['status']) === JSON.stringify(status)) return;
    tx.put(kubeObjects, { key, object: { ...e.value.object, status } });
  });
}

/** Deletes one of an owner's pods and records the owner's SuccessfulDelete event (`message`: its words). */
export async function deleteOwnedPod(
  deps: KubeDeps,
  cluster: string,
  owner: KubeObject,
  pod: KubeObject,
  component: string,
  message: string,
): Promise<void> {
  const scope = { cluster, kind: POD, namespace: metaOf(owner).namespace as string };
  await deleteObject(deps, scope, metaOf(pod).name as string).catch(() => undefined);
  await recordEvent(deps, cluster, owner, 'Normal', 'SuccessfulDelete', message, component);
}
