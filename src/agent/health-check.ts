import type { LocalTask } from './task-state.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- container definitions are the registered JSON */
type Json = Record<string, any>;

/** Runs a command inside a container; its exit code (non-zero on timeout). */
export type ExecIn = (container: string, args: string[], timeoutMs: number) => Promise<number>;

/**
 * healthCheck as ECS runs it: the command inside the container every `interval` seconds from one
 * interval after its start, a
 * failure when it exits non-zero or outlives `timeout`; UNHEALTHY after `retries` failures in a
 * row, failures inside `startPeriod` not counting; one success makes it HEALTHY again.
 */
export async function checkHealth(containers: Json[], task: LocalTask, now: number, exec: ExecIn): Promise<void> {
  for (const c of containers) {
    const hc = c.healthCheck as Json | undefined;
    const st = task.containers[c.name];
    if (!hc || st?.lastStatus !== 'RUNNING') continue;
    st.healthStatus ??= 'UNKNOWN';
    const interval = (hc.interval ?? 30) * 1000;
    // As Docker runs it (and ECS through it): the first probe one interval after the start.
    st.nextHealthAt ??= (st.startedAt ?? now) + interval;
    if (now < st.nextHealthAt) continue;
    st.nextHealthAt = now + interval;
    const cmd = (hc.command ?? []) as string[];
    const args =
      cmd[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', cmd.slice(1).join(' ')] : cmd[0] === 'CMD' ? cmd.slice(1) : cmd;
    if (args.length === 0) continue;
    const code = await exec(c.name, args, (hc.timeout ?? 5) * 1000);
    if (code === 0) {
      st.healthStatus = 'HEALTHY';
      st.healthFailures = 0;
      continue;
    }
    const inGrace = st.startedAt !== undefined && now - st.startedAt < (hc.startPeriod ?? 0) * 1000;
    if (inGrace) continue;
    st.healthFailures = (st.healthFailures ?? 0) + 1;
    if (st.healthFailures >= (hc.retries ?? 3)) st.healthStatus = 'UNHEALTHY';
  }
}
