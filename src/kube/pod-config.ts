import type { ContainerSpec, SandboxSpec } from '../wire/index.js';
import type { KubeObject } from './meta.js';
import { specOf, type PodSpec } from './pod-rules.js';
import { fieldValue, keysOf, Missing, noun, valueOf } from './pod-config-data.js';
import { containerConfig, type ContainerConfig, type Lookup } from './pod-env.js';
import { type DownwardFile, type KeyToPath, type ProjectedSource, type Volume } from './pod-sources.js';

export { API_SERVICE_ENV, expand, type ContainerConfig, type Lookup } from './pod-env.js';

/**
 * What the kubelet resolves when it starts a pod: environment variables from ConfigMaps, Secrets
 * and the pod's own fields, `$(VAR)` references in env values, command and args, and volumes of
 * files. Done each time the pod is sent to its node (secrets' values are never stored with a
 * workload); a reference to something missing holds the pod, as the kubelet holds it, with the
 * kubelet's words.
 */

type File = { path: string; content: string; mode: number };

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
