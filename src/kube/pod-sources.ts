import type { Cause } from './names.js';
import { invalidValue, notImplemented } from './names.js';

/**
 * What a pod takes from elsewhere: environment variables from ConfigMaps, Secrets and its own
 * fields, and volumes of files made from the same. The shapes, and the API server's checks of
 * them; pod-config.ts resolves them when the pod is sent to its node.
 */
export interface KeyRef {
  name?: string;
  key: string;
  optional?: boolean;
}
export interface FieldRef {
  fieldPath: string;
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef; fieldRef?: FieldRef; resourceFieldRef?: unknown };
}
export interface SourceRef {
  name?: string;
  optional?: boolean;
}
export interface EnvFrom {
  prefix?: string;
  configMapRef?: SourceRef;
  secretRef?: SourceRef;
}
export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}
export interface Projection {
  name?: string;
  items?: KeyToPath[];
  optional?: boolean;
}
export interface DownwardFile {
  path: string;
  fieldRef?: FieldRef;
  resourceFieldRef?: unknown;
  mode?: number;
}
export interface ProjectedSource {
  configMap?: Projection;
  secret?: Projection;
  downwardAPI?: { items?: DownwardFile[] };
  serviceAccountToken?: { audience?: string; expirationSeconds?: number; path: string };
  clusterTrustBundle?: unknown;
}
export interface Volume {
  name: string;
  emptyDir?: unknown;
  hostPath?: { path: string };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  configMap?: Projection & { defaultMode?: number };
  secret?: { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  downwardAPI?: { items?: DownwardFile[]; defaultMode?: number };
  projected?: { sources?: ProjectedSource[]; defaultMode?: number };
}

/** The volume types berth makes; the others are refused as not implemented. */
export const VOLUME_TYPES = [
  'emptyDir',
  'hostPath',
  'persistentVolumeClaim',
  'configMap',
  'secret',
  'downwardAPI',
  'projected',
];

/** The fields an environment variable may take from its pod (the API server's list, in its order). */
export const ENV_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
/** The fields a downward API file may hold. */
export const FILE_FIELDS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
];

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** `metadata.labels['k']` or `metadata.annotations['k']`: the map and the key, else undefined. */
export function subscript(path: string): { map: 'labels' | 'annotations'; key: string } | undefined {
  for (const map of ['labels', 'annotations'] as const) {
    const head = `metadata.${map}['`;
    if (path.startsWith(head) && path.endsWith("']") && path.length > head.length + 2)
      return { map, key: path.slice(head.length, -2) };
  }
  return undefined;
}

function fieldCauses(field: string, ref: FieldRef, allowed: string[]): Cause[] {
  if (allowed.includes(ref.fieldPath) || subscript(ref.fieldPath)) return [];
  return [
    {
      field: `${field}.fieldPath`,
      message: `Unsupported value: "${ref.fieldPath}": supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
    },
  ];
}

function keyRefCauses(field: string, ref: KeyRef): Cause[] {
  const causes: Cause[] = [];
  if (!ref.name) causes.push({ field: `${field}.name`, message: 'Required value' });
  if (!CONFIG_KEY.test(ref.key))
    causes.push(
      invalidValue(
        `${field}.key`,
        ref.key,
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
      ),
    );
  return causes;
}

export function envCauses(path: string, env: EnvVar[] | undefined, envFrom: EnvFrom[] | undefined): Cause[] {
  const causes: Cause[] = [];
  for (const [i, e] of (env ?? []).entries()) {
    const f = `${path}.env[${i}]`;
    if (!ENV_NAME.test(e.name))
      causes.push(
        invalidValue(
          `${f}.name`,
          e.name,
          "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
        ),
      );
    const from = e.valueFrom;
    if (!from) continue;
    if (e.value)
      causes.push({
        field: `${f}.valueFrom`,
        message: 'Invalid value: "": may not be specified when `value` is not empty',
      });
    const set = Object.keys(from).filter((k) => from[k as keyof typeof from] !== undefined);
    if (set.length !== 1) {
      causes.push({
        field: `${f}.valueFrom`,
        message:
          set.length === 0
            ? 'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'
            : 'Invalid value: "": may not have more than one field specified at a time',
      });
      continue;
    }
    if (from.fieldRef) causes.push(...fieldCauses(`${f}.valueFrom.fieldRef`, from.fieldRef, ENV_FIELDS));
    if (from.configMapKeyRef) causes.push(...keyRefCauses(`${f}.valueFrom.configMapKeyRef`, from.configMapKeyRef));
    if (from.secretKeyRef) causes.push(...keyRefCauses(`${f}.valueFrom.secretKeyRef`, from.secretKeyRef));
    if (from.resourceFieldRef) causes.push(notImplemented(`${f}.valueFrom.resourceFieldRef`, 'resourceFieldRef'));
  }
  for (const [i, e] of (envFrom ?? []).entries()) {
    const f = `${path}.envFrom[${i}]`;
    const refs = [e.configMapRef, e.secretRef].filter(Boolean);
    if (refs.length !== 1)
      causes.push({
        field: f,
        message:
          refs.length === 0
            ? 'Invalid value: "": must specify one of: `configMapRef` or `secretRef`'
            : 'Invalid value: "": may not have more than one field specified at a time',
      });
    else if (!refs[0]?.name)
      causes.push({ field: `${f}.${e.configMapRef ? 'configMapRef' : 'secretRef'}.name`, message: 'Required value' });
    if (e.prefix && !ENV_NAME.test(e.prefix))
      causes.push(
        invalidValue(
          `${f}.prefix`,
          e.prefix,
          "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
        ),
      );
  }
  return causes;
}

function pathCauses(field: string, p: string): Cause[] {
  if (p.startsWith('/')) return [invalidValue(field, p, 'must be a relative path')];
  if (p.split('/').includes('..')) return [invalidValue(field, p, "must not contain '..'")];
  if (p.startsWith('..')) return [invalidValue(field, p, "must not start with '..'")];
  if (p === '') return [{ field, message: 'Required value' }];
  return [];
}

function modeCauses(field: string, mode: number | undefined): Cause[] {
  if (mode === undefined || (mode >= 0 && mode <= 0o777)) return [];
  return [invalidValue(field, mode, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

function itemsCauses(field: string, items: KeyToPath[] | undefined): Cause[] {
  return (items ?? []).flatMap((it, i) => [
    ...pathCauses(`${field}.items[${i}].path`, it.path),
    ...modeCauses(`${field}.items[${i}].mode`, it.mode),
  ]);
}

function downwardCauses(field: string, items: DownwardFile[] | undefined): Cause[] {
  return (items ?? []).flatMap((it, i) => [
    ...pathCauses(`${field}.items[${i}].path`, it.path),
    ...modeCauses(`${field}.items[${i}].mode`, it.mode),
    ...(it.resourceFieldRef !== undefined
      ? [notImplemented(`${field}.items[${i}].resourceFieldRef`, 'resourceFieldRef')]
      : it.fieldRef
        ? fieldCauses(`${field}.items[${i}].fieldRef`, it.fieldRef, FILE_FIELDS)
        : [
            {
              field: `${field}.items[${i}]`,
              message: 'Required value: one of fieldRef and resourceFieldRef is required',
            },
          ]),
  ]);
}

/** A projected token's checks (the API server's). */
function tokenCauses(field: string, t: NonNullable<ProjectedSource['serviceAccountToken']>): Cause[] {
  const causes = pathCauses(`${field}.path`, t.path);
  const secs = t.expirationSeconds;
  if (secs !== undefined && secs < 600)
    causes.push(invalidValue(`${field}.expirationSeconds`, secs, 'may not specify a duration less than 10 minutes'));
  if (secs !== undefined && secs > 2 ** 32)
    causes.push(
      invalidValue(`${field}.expirationSeconds`, secs, 'may not specify a duration larger than 2^32 seconds'),
    );
  return causes;
}

/** The checks of a volume made of files: names, paths inside the volume, modes. */
export function fileVolumeCauses(field: string, v: Volume): Cause[] {
  const causes: Cause[] = [];
  if (v.configMap) {
    if (!v.configMap.name) causes.push({ field: `${field}.configMap.name`, message: 'Required value' });
    causes.push(
      ...itemsCauses(`${field}.configMap`, v.configMap.items),
      ...modeCauses(`${field}.configMap.defaultMode`, v.configMap.defaultMode),
    );
  }
  if (v.secret) {
    if (!v.secret.secretName) causes.push({ field: `${field}.secret.secretName`, message: 'Required value' });
    causes.push(
      ...itemsCauses(`${field}.secret`, v.secret.items),
      ...modeCauses(`${field}.secret.defaultMode`, v.secret.defaultMode),
    );
  }
  if (v.downwardAPI)
    causes.push(
      ...downwardCauses(`${field}.downwardAPI`, v.downwardAPI.items),
      ...modeCauses(`${field}.downwardAPI.defaultMode`, v.downwardAPI.defaultMode),
    );
  if (v.projected) {
    causes.push(...modeCauses(`${field}.projected.defaultMode`, v.projected.defaultMode));
    for (const [i, src] of (v.projected.sources ?? []).entries()) {
      const f = `${field}.projected.sources[${i}]`;
      if (src.serviceAccountToken) causes.push(...tokenCauses(`${f}.serviceAccountToken`, src.serviceAccountToken));
      if (src.clusterTrustBundle !== undefined)
        causes.push(notImplemented(`${f}.clusterTrustBundle`, 'cluster trust bundles'));
      for (const which of ['configMap', 'secret'] as const) {
        const p = src[which];
        if (!p) continue;
        if (!p.name) causes.push({ field: `${f}.${which}.name`, message: 'Required value' });
        causes.push(...itemsCauses(`${f}.${which}`, p.items));
      }
      if (src.downwardAPI) causes.push(...downwardCauses(`${f}.downwardAPI`, src.downwardAPI.items));
    }
  }
  return causes;
}

/** How a strategic merge patch merges a pod spec's lists (the Pod kind's, and under each template). */
export const POD_MERGE_KEYS: Readonly<Record<string, string>> = {
  'spec.containers': 'name',
  'spec.initContainers': 'name',
  'spec.containers.env': 'name',
  'spec.initContainers.env': 'name',
  'spec.containers.ports': 'containerPort',
  'spec.initContainers.ports': 'containerPort',
  'spec.containers.volumeMounts': 'mountPath',
  'spec.initContainers.volumeMounts': 'mountPath',
  'spec.volumes': 'name',
  'spec.imagePullSecrets': 'name',
  'spec.hostAliases': 'ip',
};
