import type { TaskStateMessage } from '../wire/index.js';
import { metaOf, type KubeObject } from './meta.js';
import { specOf } from './pod-rules.js';
import { rfc3339 } from './write-rules.js';

/** A host's report on a pod's workload, as the agent sends it. */
export type PodReport = Omit<TaskStateMessage, 'type' | 'cluster'>;

const iso = (ms: number | undefined) => (ms === undefined ? undefined : rfc3339(ms));

type ReportedContainer = PodReport['containers'][number];

/** How a container ended, in the kubelet's words. */
const endReason = (code: number, oomKilled: boolean) => (oomKilled ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error');

/** A Go duration as the kubelet prints a back-off: `10s`, `1m20s`, `5m0s`. */
function goDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

function containerStatus(
  name: string,
  image: string,
  c: ReportedContainer | undefined,
  r: PodReport,
  initializing: boolean,
  pod: KubeObject,
) {
  const meta = metaOf(pod);
  const backOff = (x: ReportedContainer) =>
    goDuration(x.restartAt !== undefined && x.lastExit ? x.restartAt - x.lastExit.finishedAt : 10_000);
  const state =
    c?.state === 'running'
      ? { running: { startedAt: iso(c.startedAt ?? r.startedAt) } }
      : c?.state === 'exited' && c.failure?.cause === 'container-start' && !c.startedAt
        ? {
            // Never started: the runtime's StartError (exit code 128), or the kubelet's refusal of its configuration.
            terminated: {
              exitCode: c.exitCode || 128,
              reason: /^container has runAsNonRoot/.test(c.failure.message ?? '')
                ? 'CreateContainerConfigError'
                : 'StartError',
              ...(c.failure.message ? { message: c.failure.message } : {}),
              ...(r.stoppedAt ? { startedAt: iso(r.stoppedAt), finishedAt: iso(r.stoppedAt) } : {}),
            },
          }
        : c?.state === 'exited'
          ? {
              terminated: {
                exitCode: c.exitCode ?? 0,
                reason: endReason(c.exitCode ?? 0, c.failure?.cause === 'oom-killed'),
                ...(c.reason ? { message: c.reason } : {}),
                ...((c.startedAt ?? r.startedAt) ? { startedAt: iso(c.startedAt ?? r.startedAt) } : {}),
                ...(r.stoppedAt ? { finishedAt: iso(r.stoppedAt) } : {}),
              },
            }
          : c?.lastExit
            ? {
                // Started again after it exited, waiting out its back-off: the kubelet's words.
                waiting: {
                  reason: 'CrashLoopBackOff',
                  message: `back-off ${backOff(c)} restarting failed container=${name} pod=${meta.name ?? ''}_${meta.namespace ?? ''}(${meta.uid ?? ''})`,
                },
              }
            : {
                waiting: {
                  reason:
                    c?.failure?.cause === 'image-pull'
                      ? 'ErrImagePull'
                      : c?.failure?.cause === 'container-start'
                        ? 'CreateContainerError'
                        : initializing
                          ? 'PodInitializing'
                          : 'ContainerCreating',
                  ...(c?.failure?.message ? { message: c.failure.message } : {}),
                },
              };
  return {
    name,
    image,
    imageID: c?.imageDigest ?? '',
    ...(c?.runtimeId ? { containerID: `berth://${c.runtimeId}` } : {}),
    ready: c?.state === 'running' && c.health !== 'unhealthy',
    started: c?.state === 'running',
    restartCount: c?.restartCount ?? 0,
    state,
    lastState: c?.lastExit
      ? {
          terminated: {
            exitCode: c.lastExit.code,
            reason: endReason(c.lastExit.code, c.lastExit.oomKilled),
            ...(c.lastExit.startedAt !== undefined ? { startedAt: iso(c.lastExit.startedAt) } : {}),
            finishedAt: iso(c.lastExit.finishedAt),
            ...(c.runtimeId ? { containerID: `berth://${c.runtimeId}` } : {}),
          },
        }
      : {},
  };
}

/** What a pod's status becomes with a report from its node (hostIP: the node's address). */
export function podStatusFrom(
  pod: KubeObject,
  r: PodReport,
  hostIP: string | undefined,
  now: string,
): Record<string, unknown> {
  const s = specOf(pod);
  const prev = (pod['status'] ?? {}) as Record<string, unknown>;
  const byName = new Map(r.containers.map((c) => [c.name, c]));
  const inits = (s.initContainers ?? []).map((c) =>
    containerStatus(c.name, c.image ?? '', byName.get(c.name), r, false, pod),
  );
  const initialized = inits.every((c) => 'terminated' in c.state && c.state.terminated?.exitCode === 0);
  const mains = s.containers.map((c) =>
    containerStatus(c.name, c.image ?? '', byName.get(c.name), r, !initialized, pod),
  );
  const ended = r.phase === 'stopped' || r.phase === 'tearing-down' || r.phase === 'stopping';
  const exitCodes = s.containers.map((c) => byName.get(c.name)?.exitCode);
  const phase =
    !r.phase || r.phase === 'preparing' || r.phase === 'pulling' || r.phase === 'starting'
      ? r.ended
        ? 'Failed'
        : 'Pending'
      : r.phase === 'running'
        ? 'Running'
        : metaOf(pod).deletionTimestamp
          ? ((prev['phase'] as string | undefined) ?? 'Running')
          : ended && exitCodes.every((x) => x === 0)
            ? 'Succeeded'
            : 'Failed';
  const ready = phase === 'Running' && mains.every((c) => c.ready);
  const condition = (type: string, ok: boolean) => {
    const was = ((prev['conditions'] ?? []) as { type: string; status: string; lastTransitionTime?: string }[]).find(
      (c) => c.type === type,
    );
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: was?.status === status ? was.lastTransitionTime : now,
    };
  };
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', r.phase !== undefined && r.phase !== 'preparing'),
      condition('Initialized', initialized),
      condition('Ready', ready),
      condition('ContainersReady', ready),
      condition('PodScheduled', true),
    ],
    ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
    ...(r.network?.ip
      ? { podIP: r.network.ip, podIPs: [{ ip: r.network.ip }] }
      : prev['podIP']
        ? { podIP: prev['podIP'], podIPs: prev['podIPs'] }
        : {}),
    startTime: (prev['startTime'] as string | undefined) ?? now,
    ...(inits.length ? { initContainerStatuses: inits } : {}),
    containerStatuses: mains,
    qosClass: prev['qosClass'] ?? 'BestEffort',
    ...(r.ended?.message && phase === 'Failed'
      ? { message: r.ended.message, reason: r.ended.cause === 'image-pull' ? 'ErrImagePull' : 'Error' }
      : {}),
  };
}

/** A pod held on its node before its containers can be made: each container waiting, with the kubelet's reason. */
export function heldStatus(
  pod: KubeObject,
  held: { reason: string; message: string; volume?: string },
  hostIP: string | undefined,
  now: string,
): Record<string, unknown> {
  const s = specOf(pod);
  const prev = (pod['status'] ?? {}) as Record<string, unknown>;
  const waiting = (c: { name: string; image?: string }, init: boolean) => ({
    name: c.name,
    state: {
      waiting:
        held.volume || init
          ? { reason: held.volume ? 'ContainerCreating' : 'PodInitializing' }
          : { reason: held.reason, message: held.message },
    },
    lastState: {},
    ready: false,
    restartCount: 0,
    image: c.image ?? '',
    imageID: '',
    started: false,
  });
  const condition = (type: string, ok: boolean) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: now,
  });
  const inits = s.initContainers ?? [];
  return {
    phase: 'Pending',
    conditions: [
      condition('PodReadyToStartContainers', !held.volume),
      condition('Initialized', inits.length === 0),
      condition('Ready', false),
      condition('ContainersReady', false),
      condition('PodScheduled', true),
    ],
    ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
    startTime: (prev['startTime'] as string | undefined) ?? now,
    ...(inits.length
      ? {
          initContainerStatuses: inits.map((c, i) =>
            i === 0 && !held.volume ? { ...waiting(c, false) } : waiting(c, true),
          ),
        }
      : {}),
    containerStatuses: s.containers.map((c) => waiting(c, inits.length > 0)),
    qosClass: prev['qosClass'] ?? 'BestEffort',
  };
}
