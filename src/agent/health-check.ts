import type { ContainerSpec } from '../wire/index.js';
import type { LocalTask } from './task-state.js';

/** Runs a command inside a container; its exit code (non-zero on timeout). */
export type ExecIn = (container: string, args: string[], timeoutMs: number) => Promise<number>;

/**
 * A container's health probe as ECS (through Docker) runs it: the command inside the container
 * every period from one period after its start, a failure when it exits non-zero or outlives its
 * timeout; UNHEALTHY after `failureThreshold` failures in a row, failures inside the grace period
 * not counting; one success makes it HEALTHY again.
 */
export async function checkHealth(
  containers: readonly ContainerSpec[],
  task: LocalTask,
  now: number,
  exec: ExecIn,
): Promise<void> {
  for (const c of containers) {
    const probe = c.probes.health;
    const st = task.containers[c.name];
    if (!probe || probe.action.type !== 'exec' || st?.lastStatus !== 'RUNNING') continue;
    st.healthStatus ??= 'UNKNOWN';
    // As Docker runs it (and ECS through it): the first probe one period after the start.
    st.nextHealthAt ??= (st.startedAt ?? now) + (probe.initialDelayMs ?? probe.periodMs);
    if (now < st.nextHealthAt) continue;
    st.nextHealthAt = now + probe.periodMs;
    const code = await exec(c.name, probe.action.command, probe.timeoutMs);
    if (code === 0) {
      st.healthStatus = 'HEALTHY';
      st.healthFailures = 0;
      continue;
    }
    const inGrace = st.startedAt !== undefined && now - st.startedAt < probe.gracePeriodMs;
    if (inGrace) continue;
    st.healthFailures = (st.healthFailures ?? 0) + 1;
    if (st.healthFailures >= probe.failureThreshold) st.healthStatus = 'UNHEALTHY';
  }
}
