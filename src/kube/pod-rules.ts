import type { Cause } from './names.js';
import { spreadCauses } from './pod-spread.js';
import { podAffinityCauses, type PodAffinitySpec } from './pod-affinity.js';
import { placementCauses, type NodeAffinity, type Toleration } from './pod-placement.js';
import type { KubeObject } from './meta.js';
import { invalidValue, labelProblem, notImplemented } from './names.js';
import { securityCauses } from './pod-security.js';
import { bytes, milliCpu, parseQuantity } from './quantity.js';
import { envCauses, fileVolumeCauses, VOLUME_TYPES, type EnvFrom, type EnvVar, type Volume } from './pod-sources.js';

/** What berth checks and defaults in a Pod, as the API server's validation and defaulting do. */

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFrom[];
  ports?: { name?: string; containerPort: number; hostPort?: number; protocol?: string }[];
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: unknown;
  imagePullPolicy?: string;
  securityContext?: Record<string, unknown>;
  restartPolicy?: string;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
}

export interface Probe {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: unknown;
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostname?: string;
  hostAliases?: { ip: string; hostnames?: string[] }[];
  affinity?: { nodeAffinity?: NodeAffinity } & PodAffinitySpec;
  tolerations?: Toleration[];
  topologySpreadConstraints?: unknown[];
  ephemeralContainers?: unknown[];
  securityContext?: Record<string, unknown>;
  priority?: number;
  preemptionPolicy?: string;
  [k: string]: unknown;
}

export const specOf = (pod: KubeObject): PodSpec => (pod['spec'] ?? { containers: [] }) as PodSpec;
const allContainers = (s: PodSpec) => [...(s.initContainers ?? []), ...s.containers];

function containerCauses(path: string, c: Container, seen: Set<string>): Cause[] {
  const causes: Cause[] = [];
  const p = labelProblem(c.name);
  if (p) causes.push(invalidValue(`${path}.name`, c.name, p));
  else if (seen.has(c.name)) causes.push({ field: `${path}.name`, message: `Duplicate value: "${c.name}"` });
  seen.add(c.name);
  if (!c.image) causes.push({ field: `${path}.image`, message: 'Required value' });
  for (const [i, port] of (c.ports ?? []).entries()) {
    if (port.containerPort < 1 || port.containerPort > 65535)
      causes.push(
        invalidValue(`${path}.ports[${i}].containerPort`, port.containerPort, 'must be between 1 and 65535, inclusive'),
      );
    if (port.protocol === 'SCTP') causes.push(notImplemented(`${path}.ports[${i}].protocol`, 'SCTP'));
    if (port.hostPort !== undefined) causes.push(notImplemented(`${path}.ports[${i}].hostPort`, 'hostPort'));
  }
  for (const which of ['limits', 'requests'] as const) {
    for (const [name, q] of Object.entries(c.resources?.[which] ?? {})) {
      const v = name === 'cpu' ? milliCpu(q) : bytes(q);
      if (v === undefined)
        causes.push(
          invalidValue(
            `${path}.resources.${which}[${name}]`,
            q,
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
          ),
        );
    }
  }
  causes.push(...envCauses(path, c.env, c.envFrom));
  if (c.lifecycle !== undefined) causes.push(notImplemented(`${path}.lifecycle`, 'lifecycle hooks'));
  if (c.restartPolicy !== undefined) causes.push(notImplemented(`${path}.restartPolicy`, 'sidecar containers'));
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const)
    if (c[probe]?.grpc !== undefined) causes.push(notImplemented(`${path}.${probe}.grpc`, 'gRPC probes'));
  for (const [i, m] of (c.volumeMounts ?? []).entries())
    if (m.subPath) causes.push(notImplemented(`${path}.volumeMounts[${i}].subPath`, 'subPath'));
  causes.push(...securityCauses(`${path}.securityContext`, c.securityContext, true));
  return causes;
}

export function podCauses(pod: KubeObject): Cause[] {
  const s = specOf(pod);
  const causes: Cause[] = [];
  if (!s.containers.length) causes.push({ field: 'spec.containers', message: 'Required value' });
  const seen = new Set<string>();
  (s.initContainers ?? []).forEach((c, i) => causes.push(...containerCauses(`spec.initContainers[${i}]`, c, seen)));
  s.containers.forEach((c, i) => causes.push(...containerCauses(`spec.containers[${i}]`, c, seen)));
  const volumes = new Set<string>();
  for (const [i, v] of (s.volumes ?? []).entries()) {
    volumes.add(v.name);
    const kinds = Object.keys(v).filter((k) => k !== 'name');
    if (kinds.length !== 1)
      causes.push({ field: `spec.volumes[${i}]`, message: 'Required value: must specify exactly one volume type' });
    else if (!VOLUME_TYPES.includes(kinds[0] as string))
      causes.push(notImplemented(`spec.volumes[${i}].${kinds[0] as string}`, `${kinds[0] as string} volumes`));
    else causes.push(...fileVolumeCauses(`spec.volumes[${i}]`, v));
  }
  for (const [ci, c] of allContainers(s).entries())
    for (const [i, m] of (c.volumeMounts ?? []).entries())
      if (!volumes.has(m.name))
        causes.push({ field: `spec.containers[${ci}].volumeMounts[${i}].name`, message: `Not found: "${m.name}"` });
  causes.push(...podAffinityCauses(s.affinity));
  causes.push(...placementCauses(s as Parameters<typeof placementCauses>[0]));
  causes.push(...spreadCauses(s.topologySpreadConstraints));
  if (s.ephemeralContainers?.length) causes.push(notImplemented('spec.ephemeralContainers', 'ephemeral containers'));
  causes.push(...securityCauses('spec.securityContext', s.securityContext, false));
  if (s.hostPID) causes.push(notImplemented('spec.hostPID', 'hostPID'));
  if (s.hostIPC) causes.push(notImplemented('spec.hostIPC', 'hostIPC'));
  return causes;
}

/** The API server's defaults for what a manifest leaves out. */
export function defaultPod(pod: KubeObject): void {
  const s = specOf(pod);
  s.restartPolicy ??= 'Always';
  s.terminationGracePeriodSeconds ??= 30;
  s['dnsPolicy'] ??= 'ClusterFirst';
  s['schedulerName'] ??= 'default-scheduler';
  s['serviceAccountName'] ??= 'default';
  s['securityContext'] ??= {};
  s['enableServiceLinks'] ??= true;
  s['priority'] ??= 0;
  for (const c of allContainers(s)) {
    const tag = (c.image ?? '').split('/').pop() ?? '';
    c.imagePullPolicy ??= !tag.includes(':') || tag.endsWith(':latest') ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
    // Requests default to the limits.
    if (c.resources?.limits) c.resources.requests = { ...c.resources.limits, ...(c.resources.requests ?? {}) };
  }
  pod['status'] ??= { phase: 'Pending', qosClass: qosClass(s) };
}

/** Guaranteed, Burstable or BestEffort, from the containers' requests and limits. */
export function qosClass(s: PodSpec): string {
  const cs = allContainers(s);
  const any = cs.some(
    (c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length,
  );
  if (!any) return 'BestEffort';
  const guaranteed = cs.every((c) =>
    ['cpu', 'memory'].every(
      (r) =>
        c.resources?.limits?.[r] !== undefined &&
        String(c.resources.limits[r]) === String(c.resources?.requests?.[r] ?? c.resources.limits[r]),
    ),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** A pod's spec cannot change once made (berth does not yet change a running pod's images either). */
export function podUpdateCauses(next: KubeObject, prev: KubeObject): Cause[] {
  if (JSON.stringify(next['spec']) === JSON.stringify(prev['spec'])) return [];
  return [
    {
      field: 'spec',
      message:
        'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative); berth does not change images in place yet',
    },
  ];
}

/** A pod's requests or limits by resource: its containers' sum, or an init container's larger one (they run one at a time). */
export function podTotals(s: PodSpec, which: 'requests' | 'limits'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of s.containers)
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) out[k] = (out[k] ?? 0) + (parseQuantity(v) ?? 0);
  for (const c of s.initContainers ?? [])
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {}))
      out[k] = Math.max(out[k] ?? 0, parseQuantity(v) ?? 0);
  return out;
}
