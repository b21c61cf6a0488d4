/** A Kubernetes object as decoded JSON: every key an own property (see kernel's safe-json). */
export type KubeObject = Record<string, unknown>;

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  deletionGracePeriodSeconds?: number | null;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  finalizers?: string[] | null;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[] | null;
}

export const metaOf = (o: KubeObject): ObjectMeta => (o['metadata'] ?? {}) as ObjectMeta;
