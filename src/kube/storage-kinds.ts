import { z } from 'zod';
import { VERBS, type KindDef } from './kind-def.js';
import type { ReadTx } from '../store/index.js';
import { invalidValue, subdomainProblem, type Cause } from './names.js';
import { kubeObjects, metaOf, resourcePrefix, type KubeObject, type Scope } from './object.js';
import { parseQuantity } from './quantity.js';
import { typeMeta } from './schemas.js';

/**
 * PersistentVolumeClaim, PersistentVolume and StorageClass: storage as a pod asks for it. berth's
 * one provisioner, `local-path.berth.io` (the `local-path` class, the default), makes a directory
 * on the node of the claim's first pod (volume-binder.ts).
 */
const loose = z.object({}).passthrough();
export const LOCAL_PATH_PROVISIONER = 'local-path.berth.io';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

export interface ClaimSpec {
  accessModes?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  storageClassName?: string;
  volumeName?: string;
  volumeMode?: string;
  selector?: unknown;
  dataSource?: unknown;
}

export const claimSpecOf = (o: KubeObject) => (o['spec'] ?? {}) as ClaimSpec;

const claimSpecSchema = z
  .object({
    accessModes: z.array(z.string()).optional(),
    resources: z
      .object({
        requests: z.record(z.string(), z.string()).optional(),
        limits: z.record(z.string(), z.string()).optional(),
      })
      .passthrough()
      .optional(),
    storageClassName: z.string().optional(),
    volumeName: z.string().optional(),
    volumeMode: z.string().optional(),
    selector: loose.optional(),
    dataSource: loose.optional(),
    dataSourceRef: loose.optional(),
    volumeAttributesClassName: z.string().optional(),
  })
  .strict();

export const claimSchema = z.object({ ...typeMeta, spec: claimSpecSchema, status: loose.optional() }).strict();

/** A claim's own checks: access modes known, a storage request that is a quantity. */
export function claimCauses(path: string, spec: ClaimSpec): Cause[] {
  const causes: Cause[] = [];
  if (!spec.accessModes?.length)
    causes.push({ field: `${path}.accessModes`, message: 'Required value: at least 1 access mode is required' });
  for (const [i, m] of (spec.accessModes ?? []).entries())
    if (!ACCESS_MODES.includes(m))
      causes.push({
        field: `${path}.accessModes[${i}]`,
        message: `Unsupported value: "${m}": supported values: ${ACCESS_MODES.map((a) => `"${a}"`).join(', ')}`,
      });
  const storage = spec.resources?.requests?.['storage'];
  if (storage === undefined) causes.push({ field: `${path}.resources[storage]`, message: 'Required value' });
  else if (!((parseQuantity(storage) ?? 0) > 0))
    causes.push(invalidValue(`${path}.resources[storage]`, storage, 'must be greater than zero'));
  if (spec.volumeMode === 'Block')
    causes.push({ field: `${path}.volumeMode`, message: 'Forbidden: Block volumes are not implemented in berth yet' });
  else if (spec.volumeMode !== undefined && spec.volumeMode !== 'Filesystem')
    causes.push(invalidValue(`${path}.volumeMode`, spec.volumeMode, 'supported values: "Block", "Filesystem"'));
  if (spec.dataSource)
    causes.push({
      field: `${path}.dataSource`,
      message: 'Forbidden: volume data sources are not implemented in berth yet',
    });
  return causes;
}

export const PERSISTENT_VOLUME_CLAIM: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  verbs: VERBS,
  schema: claimSchema,
  nameProblem: subdomainProblem,
  keepsStatus: true,
  normalize(o) {
    const spec = claimSpecOf(o);
    spec.volumeMode ??= 'Filesystem';
    o['status'] ??= { phase: 'Pending' };
  },
  // What the binder set, kept across applies that leave it out.
  keep(next, prev) {
    const n = claimSpecOf(next);
    const p = claimSpecOf(prev);
    if (n.volumeName === undefined && p.volumeName !== undefined) n.volumeName = p.volumeName;
    if (n.storageClassName === undefined && p.storageClassName !== undefined) n.storageClassName = p.storageClassName;
  },
  validate: (o) => claimCauses('spec', claimSpecOf(o)),
  allocate: defaultClass,
  validateUpdate(next, prev) {
    const { resources: _a, ...n } = claimSpecOf(next);
    const { resources: _b, ...p } = claimSpecOf(prev);
    return JSON.stringify(n) === JSON.stringify(p)
      ? []
      : [
          {
            field: 'spec',
            message:
              'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
          },
        ];
  },
};

export interface VolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: string[];
  persistentVolumeReclaimPolicy?: string;
  storageClassName?: string;
  claimRef?: { namespace?: string; name?: string; uid?: string };
  hostPath?: { path: string; type?: string };
  csi?: { driver: string; volumeHandle: string };
  nodeAffinity?: {
    required?: { nodeSelectorTerms?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[] };
  };
  volumeMode?: string;
}

export const volumeSpecOf = (o: KubeObject) => (o['spec'] ?? {}) as VolumeSpec;

export const PERSISTENT_VOLUME: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  verbs: VERBS,
  schema: z.object({ ...typeMeta, spec: loose, status: loose.optional() }).strict(),
  nameProblem: subdomainProblem,
  keepsStatus: true,
  normalize(o) {
    const spec = volumeSpecOf(o);
    spec.persistentVolumeReclaimPolicy ??= 'Retain';
    spec.volumeMode ??= 'Filesystem';
    o['status'] ??= { phase: 'Pending' };
  },
  validate(o) {
    const spec = volumeSpecOf(o);
    const causes: Cause[] = [];
    if (spec.capacity?.['storage'] === undefined) causes.push({ field: 'spec.capacity', message: 'Required value' });
    if (!spec.accessModes?.length) causes.push({ field: 'spec.accessModes', message: 'Required value' });
    const sources = (['hostPath', 'csi', 'local', 'nfs'] as const).filter((k) => (spec as Record<string, unknown>)[k]);
    if (sources.length !== 1) causes.push({ field: 'spec', message: 'Required value: must specify a volume type' });
    else if (sources[0] !== 'hostPath' && !(sources[0] === 'csi' && spec.csi?.driver === LOCAL_PATH_PROVISIONER))
      causes.push({
        field: `spec.${sources[0] as string}`,
        message: 'Forbidden: only hostPath volumes are implemented in berth yet',
      });
    if (spec.hostPath && !spec.hostPath.path.startsWith('/'))
      causes.push(invalidValue('spec.hostPath.path', spec.hostPath.path, 'must be an absolute path'));
    return causes;
  },
};

export const STORAGE_CLASS: KindDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  verbs: VERBS,
  schema: z
    .object({
      ...typeMeta,
      provisioner: z.string(),
      parameters: z.record(z.string(), z.string()).optional(),
      reclaimPolicy: z.enum(['Delete', 'Retain']).optional(),
      volumeBindingMode: z.enum(['Immediate', 'WaitForFirstConsumer']).optional(),
      allowVolumeExpansion: z.boolean().optional(),
      mountOptions: z.array(z.string()).optional(),
      allowedTopologies: z.array(loose).optional(),
    })
    .strict(),
  nameProblem: subdomainProblem,
  normalize(o) {
    o['reclaimPolicy'] ??= 'Delete';
    o['volumeBindingMode'] ??= 'Immediate';
  },
  validateUpdate(next, prev) {
    const causes: Cause[] = [];
    for (const f of ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'])
      if (JSON.stringify(next[f]) !== JSON.stringify(prev[f]))
        causes.push({ field: f, message: 'Forbidden: updates to ' + f + ' are forbidden.' });
    return causes;
  },
};

/**
 * A claim that names no class gets the default one, as the DefaultStorageClass admission plugin
 * gives it (and, since 1.28, to a claim made before there was a default).
 */
function defaultClass(tx: ReadTx, scope: Scope, given: KubeObject): KubeObject {
  if (claimSpecOf(given).storageClassName !== undefined || claimSpecOf(given).volumeName) return given;
  const classes = tx
    .list(kubeObjects, { prefix: resourcePrefix({ cluster: scope.cluster, kind: STORAGE_CLASS }) })
    .map((e) => e.value.object)
    .filter((c) => metaOf(c).annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  const name = classes.map((c) => metaOf(c).name ?? '').sort()[0];
  if (name === undefined) return given;
  const o = structuredClone(given);
  claimSpecOf(o).storageClassName = name;
  return o;
}
