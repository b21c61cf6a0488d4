import { metaOf, type KubeObject } from './meta.js';

/** Owner references and pod readiness, as the workload controllers read them. */
export function controllerOf(o: KubeObject): { kind: string; name: string; uid: string } | undefined {
  return (metaOf(o).ownerReferences ?? []).find((r) => r.controller);
}

export const ownedBy = (o: KubeObject, uid: string) => controllerOf(o)?.uid === uid;

export function ownerReference(owner: KubeObject, apiVersion: string, kind: string) {
  return {
    apiVersion,
    kind,
    name: metaOf(owner).name as string,
    uid: metaOf(owner).uid as string,
    controller: true,
    blockOwnerDeletion: true,
  };
}

const condition = (o: KubeObject, type: string) =>
  (
    (o['status'] as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)
      ?.conditions ?? []
  ).find((c) => c.type === type);

/** A pod that counts: not finished, not being deleted. */
export function isActive(pod: KubeObject): boolean {
  const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
  return !metaOf(pod).deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export const isReady = (pod: KubeObject) => condition(pod, 'Ready')?.status === 'True';

/** Ready for at least minReadySeconds. */
export function isAvailable(pod: KubeObject, minReadySeconds: number, now: number): boolean {
  const c = condition(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(c.lastTransitionTime ?? '');
  return !Number.isNaN(since) && now - since >= minReadySeconds * 1000;
}

/** The pod-template-hash of a template (FNV-1a, spelled in the API server's safe alphabet). */
export function templateHash(template: unknown, collisionCount = 0): string {
  const text = JSON.stringify(template) + (collisionCount ? String(collisionCount) : '');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...String(h)].map((c) => alphabet[c.charCodeAt(0) % alphabet.length]).join('');
}
