import { BerthError, invalidParameter } from '../kernel/index.js';
import {
  getObject,
  jsonPatch,
  mergePatch,
  metaOf,
  selectorString,
  updateObject,
  type KubeDeps,
  type KubeObject,
  type LabelSelectorSpec,
  type Scope,
} from '../kube/index.js';
import { decodeJson } from './body.js';
import type { KubeAnswer, KubeRequest } from './handlers.js';
import { writeOptions } from './handlers.js';
import { writerOf } from './field-manager.js';

/** A workload's scale subresource (autoscaling/v1 Scale), as `kubectl scale` and autoscalers use it. */
function scaleOf(o: KubeObject): KubeObject {
  const meta = metaOf(o);
  const spec = (o['spec'] ?? {}) as { replicas?: number; selector?: LabelSelectorSpec };
  const status = (o['status'] ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(spec.selector ? { selector: selectorString(spec.selector) } : {}) },
  };
}

export async function scaleVerb(deps: KubeDeps, scope: Scope, name: string, r: KubeRequest): Promise<KubeAnswer> {
  if (r.method === 'GET') return { code: 200, body: scaleOf(getObject(deps, scope, name)) };
  if (r.method !== 'PUT' && r.method !== 'PATCH')
    throw new BerthError('NotImplemented', 'the server does not allow this method on the requested resource', {
      reason: 'method-not-allowed',
    });
  const manager = writerOf(r.query, r.userAgent, r.method === 'PUT' ? 'UpdateOptions' : 'PatchOptions', 'scale');
  const body = decodeJson(r.body);
  const w = await updateObject(
    deps,
    scope,
    name,
    (current) => {
      const scale = scaleOf(current);
      const next = (
        r.method === 'PUT'
          ? body
          : r.contentType === 'application/json-patch+json'
            ? jsonPatch(scale, body)
            : mergePatch(scale, body)
      ) as { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: string } };
      const replicas = next.spec?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
        throw invalidParameter(
          `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        );
      const rv = next.metadata?.resourceVersion;
      return {
        ...current,
        metadata: { ...metaOf(current), ...(rv ? { resourceVersion: rv } : {}) },
        spec: { ...(current['spec'] as object), replicas },
      };
    },
    { ...writeOptions(r.query), ...(manager ? { manager } : {}) },
  );
  return { code: 200, body: scaleOf(w.object) };
}
