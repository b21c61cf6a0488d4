import type { ReadTx } from '../store/index.js';
import type { KubeDeps } from './deps.js';
import type { KindDef } from './kind-def.js';
import { KINDS } from './kinds.js';
import { kindsOf } from './custom-kinds.js';
import { claimLimitErrors, defaultPodResources, joinErrors, podLimitErrors } from './limit-ranger.js';
import type { KubeObject } from './meta.js';
import { forbidden, kubeObjects, metaOf, resourcePrefix, type Scope } from './object.js';
import { LIMIT_RANGE, RESOURCE_QUOTA } from './quota-kinds.js';
import { checkQuotas } from './resource-quota.js';
import { validateObject } from './write-rules.js';

/**
 * The admission the API server runs on every write of a namespaced object, in its transaction:
 * the LimitRanger (a new pod's default resources, then the bounds of pods and claims) and the
 * ResourceQuota plugin (nothing that takes a quota over its limits). Writes to namespaces with
 * neither pass through untouched.
 */
export interface Admission {
  /** The object as it is to be stored (a pod with its defaults), or a Forbidden error. */
  admit(tx: ReadTx, scope: Scope, next: KubeObject, prev?: KubeObject): KubeObject;
}

const core = (scope: Scope, kind: string) => scope.kind.group === '' && scope.kind.kind === kind;

/** An admission for one write, with the kinds a quota may count (custom ones read only where quotas are). */
export function admissionFor(deps: KubeDeps, scope: Scope): Admission {
  const ns = scope.namespace;
  if (!scope.kind.namespaced || !ns) return { admit: (_tx, _scope, next) => next };
  const quotas = deps.store.read((tx) =>
    tx.list(kubeObjects, { prefix: resourcePrefix({ ...scope, kind: RESOURCE_QUOTA }), limit: 1 }),
  );
  const kinds: readonly KindDef[] = quotas.length ? kindsOf(deps, scope.cluster) : KINDS;
  return {
    admit(tx, s, next, prev) {
      let out = next;
      const pod = core(s, 'Pod');
      const claim = core(s, 'PersistentVolumeClaim');
      if ((pod && !prev) || claim) {
        const ranges = tx
          .list(kubeObjects, { prefix: resourcePrefix({ ...s, kind: LIMIT_RANGE }) })
          .map((e) => e.value.object);
        if (ranges.length) {
          if (pod) {
            out = defaultPodResources(out, ranges);
            // Defaults may make the pod invalid (a default limit under a request given): checked again.
            if (out !== next) validateObject(s.kind, out);
          }
          const errors = pod ? podLimitErrors(out, ranges) : claimLimitErrors(out, ranges);
          if (errors.length) {
            throw forbidden(s, metaOf(out).name ?? '', joinErrors(errors));
          }
        }
      }
      checkQuotas(tx, kinds, s, out, prev);
      return out;
    },
  };
}
