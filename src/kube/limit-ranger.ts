import type { KubeObject } from './meta.js';
import { metaOf } from './object.js';
import { podTotals, qosClass, specOf, type Container } from './pod-rules.js';
import { canonicalQuantity, formatQuantity, parseQuantity } from './quantity.js';
import { limitItemsOf, type LimitRangeItem } from './quota-kinds.js';

/**
 * The LimitRanger admission plugin: a namespace's LimitRanges give containers their default
 * requests and limits (recorded in the `kubernetes.io/limit-ranger` annotation) and bound each
 * container's, each pod's and each claim's resources; what is out of bounds is refused in the
 * plugin's words.
 */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type Resources = Record<string, string | number>;
const value = (r: Resources | undefined, k: string) => {
  const v = r?.[k];
  return v === undefined ? undefined : parseQuantity(v);
};
const shown = (k: string, v: number) => formatQuantity(v, k !== 'cpu');

/** A pod with its containers' defaults filled in from the Container items (a copy), or the pod itself. */
export function defaultPodResources(pod: KubeObject, ranges: readonly KubeObject[]): KubeObject {
  const items = ranges.flatMap(limitItemsOf).filter((i) => i.type === 'Container');
  if (!items.length) return pod;
  const out = structuredClone(pod);
  const spec = specOf(out);
  const notes: string[] = [];
  const fill = (c: Container, kind: string) => {
    const setRequests = new Set<string>();
    const setLimits = new Set<string>();
    for (const item of items) {
      for (const [k, v] of Object.entries(item.defaultRequest ?? {}))
        if (!Object.hasOwn(c.resources?.requests ?? {}, k)) {
          c.resources = { ...(c.resources ?? {}), requests: { ...(c.resources?.requests ?? {}), [k]: v } };
          setRequests.add(k);
        }
      for (const [k, v] of Object.entries(item.default ?? {}))
        if (!Object.hasOwn(c.resources?.limits ?? {}, k)) {
          c.resources = { ...(c.resources ?? {}), limits: { ...(c.resources?.limits ?? {}), [k]: v } };
          setLimits.add(k);
        }
    }
    if (setRequests.size) notes.push(`${[...setRequests].sort().join(', ')} request for ${kind} ${c.name}`);
    if (setLimits.size) notes.push(`${[...setLimits].sort().join(', ')} limit for ${kind} ${c.name}`);
  };
  for (const c of spec.containers) fill(c, 'container');
  for (const c of spec.initContainers ?? []) fill(c, 'init container');
  if (!notes.length) return pod;
  const meta = metaOf(out);
  out['metadata'] = {
    ...meta,
    annotations: {
      ...(meta.annotations ?? {}),
      [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}`,
    },
  };
  // Its QoS class as its resources now make it.
  out['status'] = { ...((out['status'] as object | undefined) ?? {}), qosClass: qosClass(spec) };
  return out;
}

function minError(type: string, k: string, min: string | number, req: Resources, lim: Resources): string | undefined {
  const [enforced, r, l] = [parseQuantity(min) ?? 0, value(req, k), value(lim, k)];
  if (r === undefined) return `minimum ${k} usage per ${type} is ${canonicalQuantity(min)}.  No request is specified`;
  if (r < enforced) return `minimum ${k} usage per ${type} is ${canonicalQuantity(min)}, but request is ${shown(k, r)}`;
  if (l !== undefined && l < enforced)
    return `minimum ${k} usage per ${type} is ${canonicalQuantity(min)}, but limit is ${shown(k, l)}`;
  return undefined;
}

function maxError(type: string, k: string, max: string | number, req: Resources, lim: Resources): string | undefined {
  const [enforced, r, l] = [parseQuantity(max) ?? 0, value(req, k), value(lim, k)];
  if (l === undefined) return `maximum ${k} usage per ${type} is ${canonicalQuantity(max)}.  No limit is specified`;
  if (l > enforced) return `maximum ${k} usage per ${type} is ${canonicalQuantity(max)}, but limit is ${shown(k, l)}`;
  if (r !== undefined && r > enforced)
    return `maximum ${k} usage per ${type} is ${canonicalQuantity(max)}, but request is ${shown(k, r)}`;
  return undefined;
}

function ratioError(
  type: string,
  k: string,
  ratio: string | number,
  req: Resources,
  lim: Resources,
): string | undefined {
  const [r, l] = [value(req, k), value(lim, k)];
  const max = canonicalQuantity(ratio);
  if (!r) return `${k} max limit to request ratio per ${type} is ${max}, but no request is specified or request is 0`;
  if (!l) return `${k} max limit to request ratio per ${type} is ${max}, but no limit is specified or limit is 0`;
  const observed = l / r;
  return observed > (parseQuantity(ratio) ?? 1)
    ? `${k} max limit to request ratio per ${type} is ${max}, but provided ratio is ${observed.toFixed(6)}`
    : undefined;
}

function itemErrors(item: LimitRangeItem, type: string, req: Resources, lim: Resources): string[] {
  return [
    ...Object.entries(item.min ?? {}).map(([k, v]) => minError(type, k, v, req, lim)),
    ...Object.entries(item.max ?? {}).map(([k, v]) => maxError(type, k, v, req, lim)),
    ...Object.entries(item.maxLimitRequestRatio ?? {}).map(([k, v]) => ratioError(type, k, v, req, lim)),
  ].filter((e): e is string => e !== undefined);
}

/** What the pod's containers and the pod as a whole break of the LimitRanges' bounds (none: it may be made). */
export function podLimitErrors(pod: KubeObject, ranges: readonly KubeObject[]): string[] {
  const spec = specOf(pod);
  const errors: string[] = [];
  for (const item of ranges.flatMap(limitItemsOf)) {
    if (item.type === 'Container')
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])])
        errors.push(...itemErrors(item, 'Container', c.resources?.requests ?? {}, c.resources?.limits ?? {}));
    if (item.type === 'Pod') {
      errors.push(...itemErrors(item, 'Pod', podTotals(spec, 'requests'), podTotals(spec, 'limits')));
    }
  }
  return errors;
}

/** What a claim's storage request breaks of the PersistentVolumeClaim items' bounds. */
export function claimLimitErrors(claim: KubeObject, ranges: readonly KubeObject[]): string[] {
  const req = ((claim['spec'] as { resources?: { requests?: Resources } } | undefined)?.resources?.requests ??
    {}) as Resources;
  const errors: string[] = [];
  for (const item of ranges.flatMap(limitItemsOf)) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of Object.entries(item.min ?? {})) {
      const e = minError('PersistentVolumeClaim', k, v, req, {});
      if (e) errors.push(e);
    }
    for (const [k, v] of Object.entries(item.max ?? {})) {
      const r = value(req, k);
      if (r !== undefined && r > (parseQuantity(v) ?? 0))
        errors.push(
          `maximum ${k} usage per PersistentVolumeClaim is ${canonicalQuantity(v)}, but request is ${shown(k, r)}`,
        );
    }
  }
  return errors;
}

/** Errors as the API server joins them: one alone, several in brackets. */
export const joinErrors = (errors: readonly string[]): string =>
  errors.length === 1 ? (errors[0] as string) : `[${errors.join(', ')}]`;
