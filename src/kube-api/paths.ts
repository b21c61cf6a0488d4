import { kindFor, type KindDef } from '../kube/index.js';

/** How a group, version and resource name find their kind (a cluster's custom kinds too). */
export type KindFinder = (group: string, version: string, plural: string) => KindDef | undefined;

/** What a path under `/k8s/<cluster>` names. */
export type Target =
  | { type: 'root' | 'version' | 'api' | 'apis' | 'openapi-v3' | 'openapi-v2' }
  | { type: 'group-version'; group: string; version: string }
  | { type: 'openapi-doc'; gv: string }
  | { type: 'collection'; kind: KindDef; namespace?: string }
  | { type: 'item'; kind: KindDef; namespace?: string; name: string }
  | { type: 'subresource'; kind: KindDef; namespace: string; name: string; sub: string }
  | { type: 'unknown' };

/** Resolves the segments after `/k8s/<cluster>` (already split and decoded). */
export function resolvePath(seg: string[], find: KindFinder = kindFor): Target {
  const [a, b, c] = seg;
  if (seg.length === 0) return { type: 'root' };
  if (a === 'version' && seg.length === 1) return { type: 'version' };
  if (a === 'openapi') {
    if (b === 'v2' && seg.length === 2) return { type: 'openapi-v2' };
    if (b === 'v3' && seg.length === 2) return { type: 'openapi-v3' };
    if (b === 'v3') return { type: 'openapi-doc', gv: seg.slice(2).join('/') };
    return { type: 'unknown' };
  }
  if (a === 'api') {
    if (seg.length === 1) return { type: 'api' };
    if (b !== 'v1') return { type: 'unknown' };
    if (seg.length === 2) return { type: 'group-version', group: '', version: 'v1' };
    return resource(find, '', 'v1', seg.slice(2));
  }
  if (a === 'apis') {
    if (seg.length === 1) return { type: 'apis' };
    if (seg.length === 2 || !b || !c) return { type: 'unknown' };
    if (seg.length === 3) return { type: 'group-version', group: b, version: c };
    return resource(find, b, c, seg.slice(3));
  }
  return { type: 'unknown' };
}

function resource(kindFor: KindFinder, group: string, version: string, r: string[]): Target {
  const [first, second, third, fourth] = r;
  if (r.length <= 2) {
    const kind = kindFor(group, version, first as string);
    if (!kind) return { type: 'unknown' };
    if (r.length === 1) return { type: 'collection', kind };
    if (kind.namespaced) return { type: 'unknown' };
    return { type: 'item', kind, name: second as string };
  }
  if (first !== 'namespaces' || r.length > 5) return { type: 'unknown' };
  const kind = kindFor(group, version, third as string);
  if (!kind || !kind.namespaced) return { type: 'unknown' };
  const namespace = second as string;
  if (r.length === 3) return { type: 'collection', kind, namespace };
  if (r.length === 5) return { type: 'subresource', kind, namespace, name: fourth as string, sub: r[4] as string };
  return { type: 'item', kind, namespace, name: fourth as string };
}
