import { runtimeSecurity } from './pod-security.js';
import type { ContainerSpec, Probe as WorkloadProbe, WorkloadSpec } from '../wire/index.js';
import { metaOf, type KubeObject } from './meta.js';
import { specOf, type Container, type Probe } from './pod-rules.js';
import { bytes, milliCpu } from './quantity.js';
import { withConfig, type PodConfig } from './pod-config.js';
import { CLUSTER_DNS_IP, CLUSTER_ZONE } from './service-routes.js';

/**
 * A pod as the neutral workload its node's agent runs: one sandbox with an address of its own
 * (or the node's network), init containers first, each after the one before has succeeded, then
 * the pod's containers; the pod's restart policy on each (init containers restart on failure
 * unless it is Never), Kubernetes' back-off, its probes, its grace period.
 */
export const workloadIdOf = (pod: KubeObject): string => (metaOf(pod).uid ?? '').replaceAll('-', '');

const seconds = (s: number | undefined, dflt: number) => (s ?? dflt) * 1000;

function probeOf(p: Probe | undefined, ports: Container['ports']): WorkloadProbe | undefined {
  if (!p) return undefined;
  const port = (v: number | string) =>
    typeof v === 'number' ? v : (ports?.find((x) => x.name === v)?.containerPort ?? 0);
  const action = p.exec
    ? { type: 'exec' as const, command: p.exec.command ?? [] }
    : p.httpGet
      ? {
          type: 'http' as const,
          port: port(p.httpGet.port),
          path: p.httpGet.path ?? '/',
          ...(p.httpGet.host ? { host: p.httpGet.host } : {}),
        }
      : p.tcpSocket
        ? {
            type: 'tcp' as const,
            port: port(p.tcpSocket.port),
            ...(p.tcpSocket.host ? { host: p.tcpSocket.host } : {}),
          }
        : undefined;
  if (!action) return undefined;
  return {
    action,
    initialDelayMs: seconds(p.initialDelaySeconds, 0),
    periodMs: seconds(p.periodSeconds, 10),
    timeoutMs: seconds(p.timeoutSeconds, 1),
    failureThreshold: p.failureThreshold ?? 3,
    successThreshold: p.successThreshold ?? 1,
    gracePeriodMs: 0,
  };
}

function userOf(pod: KubeObject, c: Container): string | undefined {
  const podCtx = specOf(pod).securityContext ?? {};
  const ctx = c.securityContext ?? {};
  const uid = ctx['runAsUser'] ?? podCtx['runAsUser'];
  const gid = ctx['runAsGroup'] ?? podCtx['runAsGroup'];
  if (uid === undefined) return undefined;
  return gid === undefined ? String(uid) : `${String(uid)}:${String(gid)}`;
}

function containerOf(
  pod: KubeObject,
  c: Container,
  init: boolean,
  after: string | undefined,
  inits: string[],
): ContainerSpec {
  const s = specOf(pod);
  const policy = s.restartPolicy ?? 'Always';
  const cpu = milliCpu(c.resources?.requests?.['cpu']);
  const memLimit = bytes(c.resources?.limits?.['memory']);
  const memRequest = bytes(c.resources?.requests?.['memory']);
  const ctx = c.securityContext ?? {};
  const caps = (ctx['capabilities'] ?? {}) as { add?: string[]; drop?: string[] };
  const health = probeOf(c.livenessProbe, c.ports);
  const readiness = probeOf(c.readinessProbe, c.ports);
  const startup = probeOf(c.startupProbe, c.ports);
  const user = userOf(pod, c);
  return {
    name: c.name,
    image: c.image as string,
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    env: (c.env ?? []).map((e) => ({ name: e.name, value: e.value ?? '' })),
    secretEnv: [],
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    ...(user ? { user } : {}),
    mounts: (c.volumeMounts ?? []).map((m) => ({
      volume: m.name,
      containerPath: m.mountPath,
      readOnly: m.readOnly ?? false,
    })),
    resources: {
      // 1024 shares a core, as the kubelet gives cgroup cpu.shares (2 at the least).
      cpuShares: Math.max(2, Math.round(((cpu ?? 0) * 1024) / 1000)),
      ...(memLimit ? { memoryLimitBytes: memLimit } : {}),
      ...(memRequest ? { memoryReservationBytes: memRequest } : {}),
    },
    security: {
      privileged: ctx['privileged'] === true,
      readonlyRootfs: ctx['readOnlyRootFilesystem'] === true,
      capAdd: caps.add ?? [],
      capDrop: caps.drop ?? [],
      init: false,
      tmpfs: [],
      rlimits: [],
      ...runtimeSecurity(specOf(pod).securityContext, ctx),
    },
    labels: {
      'io.kubernetes.pod.name': metaOf(pod).name ?? '',
      'io.kubernetes.pod.namespace': metaOf(pod).namespace ?? '',
      'io.kubernetes.container.name': c.name,
    },
    hostAliases: (s.hostAliases ?? []).flatMap((a) => (a.hostnames ?? []).map((hostname) => ({ hostname, ip: a.ip }))),
    ports: (c.ports ?? []).map((p) => ({
      containerPort: p.containerPort,
      protocol: p.protocol === 'UDP' ? 'udp' : 'tcp',
    })),
    ...(c.stdin || c.tty
      ? { stdio: { stdin: c.stdin === true, stdinOnce: c.stdinOnce === true, tty: c.tty === true } }
      : {}),
    // A pod ends when its containers have (with restarts, never): each one counts.
    essential: !init,
    startAfter: init
      ? after
        ? [{ container: after, condition: 'succeeded' }]
        : []
      : inits.map((name) => ({ container: name, condition: 'succeeded' as const })).slice(-1),
    restart: {
      policy: policy === 'Never' ? 'never' : init || policy === 'OnFailure' ? 'on-failure' : 'always',
      ignoredExitCodes: [],
      backoff: true,
    },
    stop: { timeoutMs: seconds(s.terminationGracePeriodSeconds, 30), signal: 'TERM' },
    probes: {
      ...(health ? { liveness: health } : {}),
      ...(readiness ? { readiness } : {}),
      ...(startup ? { startup } : {}),
    },
    log: { type: 'file' },
  };
}

type DnsConfig = { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };

/**
 * The pod's resolv.conf, by its dnsPolicy: ClusterFirst (the default) asks the cluster DNS with the
 * namespace's search path and ndots:5, as the kubelet writes it (not for a pod on its node's
 * network, unless ClusterFirstWithHostNet); Default keeps the node's; None takes dnsConfig alone.
 */
function podDns(pod: KubeObject): ContainerSpec['dns'] {
  const s = specOf(pod);
  const policy = (s['dnsPolicy'] as string | undefined) ?? 'ClusterFirst';
  const own = (s['dnsConfig'] ?? {}) as DnsConfig;
  const options = (own.options ?? []).map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`));
  const cluster =
    policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !s.hostNetwork)
      ? {
          servers: [CLUSTER_DNS_IP],
          searches: [`${metaOf(pod).namespace ?? 'default'}.svc.${CLUSTER_ZONE}`, `svc.${CLUSTER_ZONE}`, CLUSTER_ZONE],
          options: ['ndots:5'],
        }
      : { servers: [], searches: [], options: [] };
  if (policy !== 'None' && !cluster.servers.length && !own.nameservers?.length && !own.searches?.length)
    return undefined;
  return {
    servers: [...cluster.servers, ...(own.nameservers ?? [])],
    searches: [...cluster.searches, ...(own.searches ?? [])],
    options: [...cluster.options.filter((o) => !options.some((x) => x.split(':')[0] === o.split(':')[0])), ...options],
  };
}

/** The pod's workload; its env, command, args and file volumes as `config` resolved them (pod-config.ts). */
export function podWorkload(pod: KubeObject, config?: PodConfig): WorkloadSpec {
  const meta = metaOf(pod);
  const s = specOf(pod);
  const inits = (s.initContainers ?? []).map((c) => c.name);
  const grace = meta.deletionGracePeriodSeconds ?? undefined;
  const dns = podDns(pod);
  return {
    id: workloadIdOf(pod),
    ref: `pod/${meta.namespace ?? ''}/${meta.name ?? ''}`,
    desired: meta.deletionTimestamp ? 'stopped' : 'running',
    sandbox: {
      hostname: (s.hostname ?? meta.name ?? 'pod').slice(0, 63),
      network: { mode: s.hostNetwork ? 'host' : 'own' },
      volumes: (s.volumes ?? []).map((v) => {
        const files = config?.volumes.get(v.name);
        if (files) return { name: v.name, source: files };
        return v.hostPath
          ? { name: v.name, source: { type: 'host', path: v.hostPath.path } }
          : // emptyDir: writable by any user, as the kubelet makes it (0777).
            { name: v.name, source: { type: 'workload', mode: 0o777 } };
      }),
      platformEnv: {},
      ...(grace !== undefined && grace !== null && meta.deletionTimestamp ? { stopGraceMs: grace * 1000 } : {}),
    },
    containers: [
      ...(s.initContainers ?? []).map((c, i) =>
        withConfig(containerOf(pod, c, true, inits[i - 1], inits), config?.containers.get(c.name)),
      ),
      ...s.containers.map((c) =>
        withConfig(containerOf(pod, c, false, undefined, inits), config?.containers.get(c.name)),
      ),
    ].map((c) => (dns ? { ...c, dns } : c)),
  };
}
