import type { ContainerSpec, SandboxSpec } from '../wire/index.js';
import { metaOf, type KubeObject } from './meta.js';
import { specOf, type Container, type PodSpec } from './pod-rules.js';
import { API_SERVICE_IP } from './service-rules.js';
import { subscript, type DownwardFile, type KeyToPath, type ProjectedSource, type Volume } from './pod-sources.js';

/**
 * What the kubelet resolves when it starts a pod: environment variables from ConfigMaps, Secrets
 * and the pod's own fields, `$(VAR)` references in env values, command and args, and volumes of
 * files. Done each time the pod is sent to its node (secrets' values are never stored with a
 * workload); a reference to something missing holds the pod, as the kubelet holds it, with the
 * kubelet's words.
 */
export type Lookup = (kind: 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim', name: string) => KubeObject | undefined;

export interface ContainerConfig {
  env: { name: string; value: string }[];
  secretEnv: { name: string; from: string; value: string }[];
  addressEnv: string[];
  command?: string[];
  args?: string[];
}

export interface PodConfig {
  containers: Map<string, ContainerConfig>;
  volumes: Map<string, SandboxSpec['volumes'][number]['source']>;
}

/** Why a pod cannot start yet: a container's configuration, or a volume that cannot be made. */
export interface Held {
  reason: 'CreateContainerConfigError' | 'ContainerCreating';
  message: string;
  /** For a volume: the event the kubelet records. */
  volume?: string;
}

class Missing extends Error {}

type Data = { data?: Record<string, string>; binaryData?: Record<string, string> };

/** A key's value as bytes: a ConfigMap's text or binary data, a Secret's base64 data. */
function valueOf(kind: 'ConfigMap' | 'Secret', o: KubeObject, key: string): Buffer | undefined {
  const { data, binaryData } = o as Data;
  if (kind === 'Secret')
    return data && Object.hasOwn(data, key) ? Buffer.from(data[key] as string, 'base64') : undefined;
  if (data && Object.hasOwn(data, key)) return Buffer.from(data[key] as string, 'utf8');
  if (binaryData && Object.hasOwn(binaryData, key)) return Buffer.from(binaryData[key] as string, 'base64');
  return undefined;
}

function keysOf(o: KubeObject): string[] {
  const { data, binaryData } = o as Data;
  return [...Object.keys(data ?? {}), ...Object.keys(binaryData ?? {})].sort();
}

const noun = (kind: 'ConfigMap' | 'Secret') => (kind === 'ConfigMap' ? 'configmap' : 'secret');

/** `key="value"` lines, sorted, as the kubelet writes a map to a downward API file. */
const mapFile = (m: Record<string, string> | null | undefined) =>
  Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify((m as Record<string, string>)[k])}`)
    .join('\n');

function fieldValue(pod: KubeObject, path: string, hostIP: string | undefined): string | undefined {
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

/**
 * `$(NAME)` in a value becomes the variable's value when it is defined earlier, `$$` a `$`; any
 * other `$(...)` stays as written (the kubelet's expansion). One pass, linear in the value.
 */
export function expand(value: string, vars: Map<string, string>): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i] as string;
    if (c !== '$' || i + 1 >= value.length) {
      out += c;
      i++;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const end = value.indexOf(')', i + 2);
      const name = end < 0 ? undefined : value.slice(i + 2, end);
      if (name !== undefined && vars.has(name)) {
        out += vars.get(name) as string;
        i = end + 1;
      } else {
        out += '$(';
        i += 2;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The `kubernetes` Service's variables (docker links' style, as for every Service the kubelet names). */
export const API_SERVICE_ENV: readonly [string, string][] = [
  ['KUBERNETES_SERVICE_HOST', API_SERVICE_IP],
  ['KUBERNETES_SERVICE_PORT', '443'],
  ['KUBERNETES_SERVICE_PORT_HTTPS', '443'],
  ['KUBERNETES_PORT', `tcp://${API_SERVICE_IP}:443`],
  ['KUBERNETES_PORT_443_TCP', `tcp://${API_SERVICE_IP}:443`],
  ['KUBERNETES_PORT_443_TCP_PROTO', 'tcp'],
  ['KUBERNETES_PORT_443_TCP_PORT', '443'],
  ['KUBERNETES_PORT_443_TCP_ADDR', API_SERVICE_IP],
];

function containerConfig(pod: KubeObject, c: Container, lookup: Lookup, hostIP: string | undefined): ContainerConfig {
  const ns = metaOf(pod).namespace ?? '';
  const plain = new Map<string, string>();
  const secret = new Map<string, { from: string; value: string }>();
  const address: string[] = [];
  const set = (name: string, value: string, from?: string) => {
    plain.delete(name);
    secret.delete(name);
    const i = address.indexOf(name);
    if (i >= 0) address.splice(i, 1);
    if (from === undefined) plain.set(name, value);
    else secret.set(name, { from, value });
  };
  const get = (kind: 'ConfigMap' | 'Secret', name: string, optional: boolean | undefined) => {
    const o = lookup(kind, name);
    if (!o && !optional) throw new Missing(`${noun(kind)} "${name}" not found`);
    return o;
  };
  // The API server's own Service, as the kubelet gives it to every container (its env can override).
  for (const [name, value] of API_SERVICE_ENV) set(name, value);
  for (const e of c.envFrom ?? []) {
    const kind = e.configMapRef ? 'ConfigMap' : 'Secret';
    const ref = e.configMapRef ?? e.secretRef ?? {};
    const o = get(kind, ref.name ?? '', ref.optional);
    if (!o) continue;
    for (const k of Object.keys((o as Data).data ?? {}).sort()) {
      const v = (valueOf(kind, o, k) as Buffer).toString('utf8');
      set(`${e.prefix ?? ''}${k}`, v, kind === 'Secret' ? `secret/${ns}/${ref.name ?? ''}/${k}` : undefined);
    }
  }
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      set(e.name, expand(e.value ?? '', plain));
      continue;
    }
    const ref = from.configMapKeyRef ?? from.secretKeyRef;
    if (ref) {
      const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const o = get(kind, ref.name ?? '', ref.optional);
      if (!o) continue;
      const v = valueOf(kind, o, ref.key);
      if (!v) {
        if (ref.optional) continue;
        throw new Missing(`couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name ?? ''}`);
      }
      set(e.name, v.toString('utf8'), kind === 'Secret' ? `secret/${ns}/${ref.name ?? ''}/${ref.key}` : undefined);
    } else if (from.fieldRef) {
      const v = fieldValue(pod, from.fieldRef.fieldPath, hostIP);
      if (v === undefined) {
        set(e.name, '');
        plain.delete(e.name);
        address.push(e.name);
      } else set(e.name, v);
    }
  }
  return {
    env: [...plain].map(([name, value]) => ({ name, value })),
    secretEnv: [...secret].map(([name, s]) => ({ name, ...s })),
    addressEnv: address,
    ...(c.command ? { command: c.command.map((a) => expand(a, plain)) } : {}),
    ...(c.args ? { args: c.args.map((a) => expand(a, plain)) } : {}),
  };
}

type File = { path: string; content: string; mode: number };

function keyFiles(
  kind: 'ConfigMap' | 'Secret',
  o: KubeObject,
  items: KeyToPath[] | undefined,
  mode: number,
  optional: boolean | undefined,
): File[] {
  const out: File[] = [];
  for (const it of items ?? keysOf(o).map((key): KeyToPath => ({ key, path: key }))) {
    const v = valueOf(kind, o, it.key);
    if (!v) {
      if (optional) continue;
      throw new Missing(
        kind === 'ConfigMap'
          ? `configmap references non-existent config key: ${it.key}`
          : `references non-existent secret key: ${it.key}`,
      );
    }
    out.push({ path: it.path, content: v.toString('base64'), mode: it.mode ?? mode });
  }
  return out;
}

function downwardFiles(pod: KubeObject, items: DownwardFile[] | undefined, mode: number, hostIP?: string): File[] {
  return (items ?? []).map((it) => ({
    path: it.path,
    content: Buffer.from(fieldValue(pod, it.fieldRef?.fieldPath ?? '', hostIP) ?? '').toString('base64'),
    mode: it.mode ?? mode,
  }));
}

/** A pod's service account token for a projected volume (service-account-auth.ts's podToken), or what is missing. */
export type PodTokens = (request: {
  audience?: string;
  expirationSeconds?: number;
}) => { token: string } | { missing: string };

function tokenFile(
  request: NonNullable<ProjectedSource['serviceAccountToken']>,
  mode: number,
  tokens?: PodTokens,
): File {
  const got = tokens?.(request) ?? { missing: 'failed to fetch token: this cluster issues no tokens' };
  if ('missing' in got) throw new Missing(got.missing);
  return { path: request.path, content: Buffer.from(got.token).toString('base64'), mode };
}

function volumeFiles(pod: KubeObject, v: Volume, lookup: Lookup, tokens?: PodTokens): File[] | undefined {
  const get = (kind: 'ConfigMap' | 'Secret', name: string | undefined, optional: boolean | undefined) => {
    const o = lookup(kind, name ?? '');
    if (!o && !optional) throw new Missing(`${noun(kind)} "${name ?? ''}" not found`);
    return o;
  };
  if (v.configMap) {
    const o = get('ConfigMap', v.configMap.name, v.configMap.optional);
    return o ? keyFiles('ConfigMap', o, v.configMap.items, v.configMap.defaultMode ?? 0o644, v.configMap.optional) : [];
  }
  if (v.secret) {
    const o = get('Secret', v.secret.secretName, v.secret.optional);
    return o ? keyFiles('Secret', o, v.secret.items, v.secret.defaultMode ?? 0o644, v.secret.optional) : [];
  }
  if (v.downwardAPI) return downwardFiles(pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? 0o644);
  if (v.projected) {
    const mode = v.projected.defaultMode ?? 0o644;
    const byPath = new Map<string, File>();
    for (const src of v.projected.sources ?? []) {
      const files = src.serviceAccountToken
        ? [tokenFile(src.serviceAccountToken, mode, tokens)]
        : src.downwardAPI
          ? downwardFiles(pod, src.downwardAPI.items, mode)
          : src.configMap || src.secret
            ? (() => {
                const kind = src.configMap ? 'ConfigMap' : 'Secret';
                const p = (src.configMap ?? src.secret) as NonNullable<typeof src.configMap>;
                const o = get(kind, p.name, p.optional);
                return o ? keyFiles(kind, o, p.items, mode, p.optional) : [];
              })()
            : [];
      for (const f of files) byPath.set(f.path, f);
    }
    return [...byPath.values()];
  }
  return undefined;
}

/** A pod's configuration with every reference resolved, or why it is held. */
export function podConfig(
  pod: KubeObject,
  lookup: Lookup,
  hostIP: string | undefined,
  tokens?: PodTokens,
): PodConfig | Held {
  const s: PodSpec = specOf(pod);
  const containers = new Map<string, ContainerConfig>();
  const volumes = new Map<string, SandboxSpec['volumes'][number]['source']>();
  for (const v of s.volumes ?? []) {
    if (v.persistentVolumeClaim) {
      // A bound claim's volume is a directory of the node's agent, named for the volume.
      const name = v.persistentVolumeClaim.claimName;
      const claim = lookup('PersistentVolumeClaim', name);
      const spec = claim?.['spec'] as { volumeName?: string } | undefined;
      const bound = (claim?.['status'] as { phase?: string } | undefined)?.phase === 'Bound';
      if (!bound || !spec?.volumeName)
        return {
          reason: 'ContainerCreating',
          message: `MountVolume.SetUp failed for volume "${v.name}" : persistentvolumeclaim "${name}" ${claim ? 'is not bound' : 'not found'}`,
          volume: v.name,
        };
      // 0777, as the local-path provisioner makes its directories: any user of the pod may write.
      volumes.set(v.name, { type: 'shared', id: spec.volumeName, mode: 0o777 });
      continue;
    }
    try {
      const files = volumeFiles(pod, v, lookup, tokens);
      if (files) volumes.set(v.name, { type: 'files', files });
    } catch (e) {
      if (!(e instanceof Missing)) throw e;
      return {
        reason: 'ContainerCreating',
        message: `MountVolume.SetUp failed for volume "${v.name}" : ${e.message}`,
        volume: v.name,
      };
    }
  }
  for (const c of [...(s.initContainers ?? []), ...s.containers]) {
    try {
      containers.set(c.name, containerConfig(pod, c, lookup, hostIP));
    } catch (e) {
      if (!(e instanceof Missing)) throw e;
      return { reason: 'CreateContainerConfigError', message: e.message };
    }
  }
  return { containers, volumes };
}

export const isHeld = (c: PodConfig | Held): c is Held => 'reason' in c;

/** A container spec with its resolved configuration in place. */
export function withConfig(spec: ContainerSpec, c: ContainerConfig | undefined): ContainerSpec {
  if (!c) return spec;
  return {
    ...spec,
    env: c.env,
    secretEnv: c.secretEnv,
    ...(c.addressEnv.length ? { addressEnv: c.addressEnv } : {}),
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
  };
}
