import { metaOf, type KubeObject } from './meta.js';
import { specOf } from './pod-rules.js';
import { subscript } from './pod-sources.js';

/**
 * What a pod's environment and its volumes' files are read from: ConfigMaps' and Secrets' keys,
 * the pod's own fields (the downward API).
 */

/** A reference to something missing: the pod is held with the kubelet's words. */
export class Missing extends Error {}

export type Data = { data?: Record<string, string>; binaryData?: Record<string, string> };

/** A key's value as bytes: a ConfigMap's text or binary data, a Secret's base64 data. */
export function valueOf(kind: 'ConfigMap' | 'Secret', o: KubeObject, key: string): Buffer | undefined {
  const { data, binaryData } = o as Data;
  if (kind === 'Secret')
    return data && Object.hasOwn(data, key) ? Buffer.from(data[key] as string, 'base64') : undefined;
  if (data && Object.hasOwn(data, key)) return Buffer.from(data[key] as string, 'utf8');
  if (binaryData && Object.hasOwn(binaryData, key)) return Buffer.from(binaryData[key] as string, 'base64');
  return undefined;
}

export function keysOf(o: KubeObject): string[] {
  const { data, binaryData } = o as Data;
  return [...Object.keys(data ?? {}), ...Object.keys(binaryData ?? {})].sort();
}

export const noun = (kind: 'ConfigMap' | 'Secret') => (kind === 'ConfigMap' ? 'configmap' : 'secret');

/** `key="value"` lines, sorted, as the kubelet writes a map to a downward API file. */
const mapFile = (m: Record<string, string> | null | undefined) =>
  Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify((m as Record<string, string>)[k])}`)
    .join('\n');

export function fieldValue(pod: KubeObject, path: string, hostIP: string | undefined): string | undefined {
  const meta = metaOf(pod);
  const s = specOf(pod);
  const sub = subscript(path);
  if (sub) {
    const m = meta[sub.map] ?? {};
    return Object.hasOwn(m, sub.key) ? m[sub.key] : '';
  }
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return mapFile(meta.labels);
    case 'metadata.annotations':
      return mapFile(meta.annotations);
    case 'spec.nodeName':
      return s.nodeName ?? '';
    case 'spec.serviceAccountName':
      return (s['serviceAccountName'] as string | undefined) ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return hostIP ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      // Known here only when the pod shares its node's network; else the agent sets it (addressEnv).
      return s.hostNetwork ? (hostIP ?? '') : undefined;
    default:
      return '';
  }
}
