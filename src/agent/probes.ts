import type { ContainerSpec, Probe } from '../wire/index.js';
import type { NetworkProber } from './net-probes.js';
import type { ContainerState, LocalTask } from './task-state.js';

/** Runs a command inside a container; its exit code (non-zero on timeout). */
export type ExecIn = (container: string, args: string[], timeoutMs: number) => Promise<number>;

/** How probes reach a workload: commands in its containers, sockets to its address. */
export interface ProbeActions {
  exec: ExecIn;
  net: NetworkProber;
}

/**
 * The address network probes reach a workload at, as the kubelet reaches a pod: its own address
 * (a network namespace of its own, or a bridge's), the host's loopback when it shares the host's
 * network; none when it has no network.
 */
export function probeAddress(task: LocalTask): string | undefined {
  if (task.network?.ip) return task.network.ip;
  return task.spec.sandbox.network.mode === 'host' ? '127.0.0.1' : undefined;
}

/** One attempt of a probe's action: true when it passes. */
async function attempt(p: Probe, name: string, task: LocalTask, actions: ProbeActions): Promise<boolean> {
  const a = p.action;
  if (a.type === 'exec') return (await actions.exec(name, a.command, p.timeoutMs)) === 0;
  const host = a.host ?? probeAddress(task);
  if (host === undefined) return false; // nothing to connect to: the probe fails, as it would in a pod
  return a.type === 'http'
    ? actions.net.http({ host, port: a.port, path: a.path }, p.timeoutMs)
    : actions.net.tcp({ host, port: a.port }, p.timeoutMs);
}

type Kind = 'health' | 'liveness' | 'readiness';

/** One probe's bookkeeping on a container: failures and successes in a row, when it is next due. */
interface ProbeState {
  failures: number;
  successes: number;
  nextAt?: number;
}

/** What a round of probes found: the containers whose liveness probe failed (to be restarted). */
export interface ProbeOutcome {
  notLive: string[];
}

function probeState(st: ContainerState, kind: Kind): ProbeState {
  st.probes ??= {};
  return (st.probes[kind] ??= { failures: 0, successes: 0 });
}

/**
 * Runs one probe if it is due: every period from one period (or its initial delay) after the
 * container started; a failure when the command exits non-zero, the HTTP status is not 2xx or
 * 3xx, the connection is refused, or the attempt outlives its timeout; failures
 * inside the grace period do not count. Resolves with whether the probe now passes, fails, or
 * has not decided yet (undefined).
 */
async function run(
  p: Probe,
  s: ProbeState,
  st: ContainerState,
  name: string,
  now: number,
  task: LocalTask,
  actions: ProbeActions,
): Promise<boolean | undefined> {
  s.nextAt ??= (st.startedAt ?? now) + (p.initialDelayMs ?? p.periodMs);
  if (now < s.nextAt) return undefined;
  s.nextAt = now + p.periodMs;
  const ok = await attempt(p, name, task, actions);
  if (ok) {
    s.failures = 0;
    s.successes += 1;
    return s.successes >= p.successThreshold ? true : undefined;
  }
  s.successes = 0;
  if (st.startedAt !== undefined && now - st.startedAt < p.gracePeriodMs) return undefined;
  s.failures += 1;
  return s.failures >= p.failureThreshold ? false : undefined;
}

/**
 * The probes of every running container: health (ECS's health check, HEALTHY or UNHEALTHY, one
 * success making it healthy again), readiness (Kubernetes: `ready` toggles both ways) and
 * liveness (Kubernetes: a container that fails it is restarted).
 */
export async function runProbes(
  containers: readonly ContainerSpec[],
  task: LocalTask,
  now: number,
  actions: ProbeActions,
): Promise<ProbeOutcome> {
  const notLive: string[] = [];
  for (const c of containers) {
    const st = task.containers[c.name];
    if (st?.state !== 'running') continue;
    const { health, readiness, liveness } = c.probes;
    if (health) {
      st.health ??= 'unknown';
      const r = await run(health, probeState(st, 'health'), st, c.name, now, task, actions);
      if (r !== undefined) st.health = r ? 'healthy' : 'unhealthy';
    }
    if (readiness) {
      st.ready ??= false;
      const r = await run(readiness, probeState(st, 'readiness'), st, c.name, now, task, actions);
      if (r !== undefined) st.ready = r;
    }
    if (liveness) {
      const r = await run(liveness, probeState(st, 'liveness'), st, c.name, now, task, actions);
      if (r === false) notLive.push(c.name);
    }
  }
  return { notLive };
}
