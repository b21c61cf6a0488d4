import { isCelError } from '@bufbuild/cel';
import { BerthError } from '../kernel/index.js';
import { celEvaluate, celValue } from './cel-rules.js';
import type { KubeDeps, UserInfo } from './deps.js';
import type { KindDef } from './kind-def.js';
import { NAMESPACE } from './kinds.js';
import { matchesSelector } from './label-selector.js';
import type { KubeObject } from './meta.js';
import { kubeObjects, metaOf, objectKey } from './object.js';
import type { Webhook, WebhookRule } from './webhook-kinds.js';

/**
 * Which admission webhooks a request is for: their rules, namespace and object selectors, and
 * match conditions; and the request as the webhooks (and the conditions' `request`) see it.
 */
export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  kind: KindDef;
  subResource?: string;
  namespace?: string;
  name: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun: boolean;
  user?: UserInfo;
}

/** What controllers' own writes are made as (the webhooks see them as the controller manager's). */
export const CONTROLLERS: UserInfo = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };

const has = (list: string[] | undefined, v: string) => (list ?? []).includes('*') || (list ?? []).includes(v);

export function ruleMatches(r: WebhookRule, a: AdmissionRequest): boolean {
  const k = a.kind;
  const resource = a.subResource ? `${k.plural}/${a.subResource}` : k.plural;
  const resources = r.resources ?? [];
  const resourceMatch = resources.some((x) => {
    if (x === resource || x === '*/*') return true;
    if (x === '*') return !a.subResource;
    const [p, s] = x.split('/');
    return (p === '*' && s === a.subResource) || (p === k.plural && s === '*' && a.subResource !== undefined);
  });
  const scope = r.scope ?? '*';
  return (
    has(r.operations, a.operation) &&
    has(r.apiGroups, k.group) &&
    // Equivalent (the default): another version of the same resource matches too.
    (has(r.apiVersions, k.version) || (k.storedAs !== undefined && has(r.apiVersions, k.storedAs.version))) &&
    resourceMatch &&
    (scope === '*' || (scope === 'Namespaced') === k.namespaced)
  );
}

export function matches(deps: KubeDeps, cluster: string, w: Webhook, a: AdmissionRequest): boolean {
  if (!(w.rules ?? []).some((r) => ruleMatches(r, a))) return false;
  const labelsOf = (o: KubeObject | undefined) => metaOf(o ?? {}).labels ?? {};
  const objectSel = w.objectSelector ?? {};
  if (!matchesSelector(objectSel, labelsOf(a.object)) && !matchesSelector(objectSel, labelsOf(a.oldObject)))
    return false;
  const nsSel = w.namespaceSelector ?? {};
  if (a.kind === NAMESPACE) return matchesSelector(nsSel, labelsOf(a.object ?? a.oldObject));
  if (!a.kind.namespaced || !a.namespace) return true;
  const ns = deps.store.read((tx) =>
    tx.get(kubeObjects, objectKey({ cluster, kind: NAMESPACE }, a.namespace as string)),
  );
  return matchesSelector(nsSel, labelsOf(ns?.value.object));
}

/** An AdmissionRequest's fields besides its uid and objects (what `request` is to match conditions). */
export function requestFields(a: AdmissionRequest) {
  const k = a.kind;
  // A CONNECT's object is its options (PodExecOptions), and so is its kind.
  const connectKind = a.operation === 'CONNECT' ? (a.object?.['kind'] as string | undefined) : undefined;
  const gvk = { group: k.group, version: k.version, kind: connectKind ?? k.kind };
  const gvr = { group: k.group, version: k.version, resource: k.plural };
  return {
    kind: gvk,
    resource: gvr,
    ...(a.subResource ? { subResource: a.subResource, requestSubResource: a.subResource } : {}),
    requestKind: gvk,
    requestResource: gvr,
    name: a.name,
    ...(a.namespace ? { namespace: a.namespace } : {}),
    operation: a.operation,
    userInfo: a.user ?? CONTROLLERS,
    dryRun: a.dryRun,
    ...(a.operation === 'CONNECT'
      ? {}
      : {
          options: {
            apiVersion: 'meta.k8s.io/v1',
            kind: { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' }[a.operation],
          },
        }),
  };
}

/**
 * A webhook's matchConditions (CEL over `object`, `oldObject` and `request`): all true, it is
 * asked; one false, it is passed over; one that cannot be evaluated (and none false) fails the
 * write under failurePolicy Fail and passes the webhook over under Ignore.
 */
export function conditionsHold(w: Webhook, a: AdmissionRequest): boolean {
  const conditions = w.matchConditions ?? [];
  if (!conditions.length) return true;
  const bindings = {
    object: celValue(undefined, a.object ?? null),
    oldObject: celValue(undefined, a.oldObject ?? null),
    request: celValue(undefined, requestFields(a)),
  };
  let failed: string | undefined;
  for (const c of conditions) {
    const r = celEvaluate(c.expression, bindings);
    if (r === false) return false;
    if (r !== true)
      failed ??= `match condition ${JSON.stringify(c.name)} could not be evaluated: ${
        r === 'timeout' ? 'it ran out of time' : isCelError(r) ? r.message : 'it does not evaluate to a bool'
      }`;
  }
  if (failed === undefined) return true;
  if (w.failurePolicy === 'Ignore') return false;
  throw new BerthError('Internal', `Internal error occurred: admission webhook ${JSON.stringify(w.name)}: ${failed}`);
}
