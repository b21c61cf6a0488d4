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
import { writeBy } from './handlers.js';
import { readPath } from './table-custom.js';

/**
 * Where a kind keeps what its Scale shows: the built-in workloads' `.spec.replicas`,
 * `.status.replicas` and `.spec.selector`; a custom kind's as its CRD's scale subresource says.
 */
export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

const WORKLOAD_PATHS: ScalePaths = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' };

/** The object with a value set at a path (the objects on the way copied, or made). */
function writeAt(o: KubeObject, path: string, value: unknown): KubeObject {
  const set = (at: unknown, keys: string[]): unknown => {
    const copy: Record<string, unknown> =
      at && typeof at === 'object' && !Array.isArray(at) ? { ...(at as object) } : {};
    const [k, ...rest] = keys as [string, ...string[]];
    Object.defineProperty(copy, k, {
      value: rest.length ? set(Object.hasOwn(copy, k) ? copy[k] : undefined, rest) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return copy;
  };
  return set(o, path.split('.').slice(1)) as KubeObject;
}

/** A workload's scale subresource (autoscaling/v1 Scale), as `kubectl scale` and autoscalers use it. */
function scaleOf(o: KubeObject, paths: ScalePaths): KubeObject {
  const meta = metaOf(o);
  const spec = (o['spec'] ?? {}) as { selector?: LabelSelectorSpec };
  const replicas = (path: string) => {
    const [v] = readPath(o, path);
    return typeof v === 'number' ? v : 0;
  };
  // A ReplicationController's selector is a plain label map.
  const workloadSelector =
    o['kind'] === 'ReplicationController'
      ? { matchLabels: spec.selector as Record<string, string> | undefined }
      : spec.selector;
  const selector = paths.labelSelectorPath
    ? readPath(o, paths.labelSelectorPath)[0]
    : paths === WORKLOAD_PATHS && workloadSelector
      ? selectorString(workloadSelector)
      : undefined;
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
    spec: { replicas: replicas(paths.specReplicasPath) },
    status: { replicas: replicas(paths.statusReplicasPath), ...(typeof selector === 'string' ? { selector } : {}) },
  };
}

export async function scaleVerb(
  deps: KubeDeps,
  scope: Scope,
  name: string,
  r: KubeRequest,
  paths: ScalePaths = WORKLOAD_PATHS,
): Promise<KubeAnswer> {
  if (r.method === 'GET') return { code: 200, body: scaleOf(getObject(deps, scope, name), paths) };
  if (r.method !== 'PUT' && r.method !== 'PATCH')
    throw new BerthError('NotImplemented', 'the server does not allow this method on the requested resource', {
      reason: 'method-not-allowed',
    });
  const options = writeBy(r, 'scale');
  const body = decodeJson(r.body);
  const w = await updateObject(
    deps,
    scope,
    name,
    (current) => {
      const scale = scaleOf(current, paths);
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
      return writeAt(
        { ...current, metadata: { ...metaOf(current), ...(rv ? { resourceVersion: rv } : {}) } },
        paths.specReplicasPath,
        replicas,
      );
    },
    options,
  );
  return { code: 200, body: scaleOf(w.object, paths) };
}
