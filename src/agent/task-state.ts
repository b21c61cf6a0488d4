import { renameSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ContainerFailure,
  ContainerSpec,
  ContainerStateWord,
  Ended,
  HealthState,
  TaskSpec,
  TaskStateMessage,
  WorkloadPhase,
} from '../wire/index.js';
import type { PortBinding, TaskNetwork } from './runtime/network.js';
import { fromEarlierAgent } from './saved-earlier.js';

export interface ContainerState {
  state: ContainerStateWord;
  runtimeId: string;
  exitCode?: number;
  failure?: ContainerFailure;
  startedAt?: number;
  health?: HealthState;
  imageDigest?: string;
  /** Probe bookkeeping, per probe: failures and successes in a row, when it is next due. */
  probes?: Partial<
    Record<'health' | 'liveness' | 'readiness', { failures: number; successes: number; nextAt?: number }>
  >;
  /** Readiness (a container with a readiness probe is not ready until it passes). */
  ready?: boolean;
  /** Times the container was started again after it exited (its restart policy). */
  restartCount?: number;
  /** Restarts since it last ran long enough for the back-off to start afresh. */
  restartStreak?: number;
  /** When a container waiting to be started again may start (its back-off). */
  restartAt?: number;
  /** How it ended the last time it ran, once it has been started again. */
  lastExit?: { code: number; oomKilled: boolean; startedAt?: number; finishedAt: number };
}

/** Everything the agent knows about a task it runs, kept on disk so a restarted agent resumes it. */
export interface LocalTask {
  spec: TaskSpec;
  phase: WorkloadPhase;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  /** Why it ended before it was asked to stop. */
  ended?: Ended;
  bindings: PortBinding[];
  network?: TaskNetwork;
  containers: Record<string, ContainerState>;
  cleanedUp?: boolean;
}

/** A workload this host has just been given: preparing, every container waiting. */
export function newLocalTask(spec: TaskSpec): LocalTask {
  return {
    spec,
    phase: 'preparing',
    bindings: [],
    containers: Object.fromEntries(
      spec.containers.map((c) => [c.name, { state: 'waiting' as const, runtimeId: `${spec.id}-${c.name}` }]),
    ),
  };
}

let writes = 0;

/** Atomic: a new file renamed over the old, each write with its own temporary name. */
/** A task as it is saved: its secrets' values and registry credentials are held in memory only, never written. */
function withoutSecretValues(t: LocalTask): LocalTask {
  if (t.spec.containers.every((c) => (c.secretEnv ?? []).length === 0 && !c.imageAuth)) return t;
  const containers = t.spec.containers.map((c) => ({
    ...c,
    secretEnv: (c.secretEnv ?? []).map(({ name, from }) => ({ name, from })),
    ...(c.imageAuth ? { imageAuth: { from: c.imageAuth.from } } : {}),
  }));
  return { ...t, spec: { ...t.spec, containers } };
}

/** Whether a container's secrets (and registry credentials) are all in hand (after an agent restart, not until resent). */
export const secretsKnown = (c: ContainerSpec): boolean =>
  (c.secretEnv ?? []).every((s) => s.value !== undefined) && (!c.imageAuth || c.imageAuth.password !== undefined);

/** The containers of a held spec, with the secrets' values it lacks taken from a spec just sent. */
export function withSentSecrets(held: TaskSpec, sent: TaskSpec): ContainerSpec[] {
  return held.containers.map((c) => {
    if (secretsKnown(c)) return c;
    const s = sent.containers.find((x) => x.name === c.name);
    return s && secretsKnown(s)
      ? { ...c, secretEnv: s.secretEnv, ...(s.imageAuth ? { imageAuth: s.imageAuth } : {}) }
      : c;
  });
}

/**
 * Writes a task's state: a temporary file renamed over the last. Synchronous, as the agent's other
 * small writes in a start's path are: ~0.2 ms here, where the same through the thread pool took
 * 0.6 ms idle and more behind other file work.
 */
export function saveTask(dir: string, t: LocalTask): void {
  const tmp = join(dir, `state.json.${process.pid}.${++writes}.tmp`);
  writeFileSync(tmp, JSON.stringify(withoutSecretValues(t)));
  renameSync(tmp, join(dir, 'state.json'));
}

/** A saved task; one saved by an agent of an earlier version is read in this one's words. */
export async function loadTask(dir: string): Promise<LocalTask | undefined> {
  let saved: unknown;
  try {
    saved = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  } catch {
    return undefined;
  }
  return fromEarlierAgent(saved) as LocalTask | undefined;
}

/**
 * The tasks a previous run of the agent left, by id (those cleaned up are done with). A task saved
 * by an agent before the neutral workload cannot be read: it is left alone and `old` is told.
 */
export async function loadSavedTasks(tasksDir: string, old: (id: string) => void): Promise<[string, LocalTask][]> {
  const out: [string, LocalTask][] = [];
  for (const id of await readdir(tasksDir)) {
    const t = await loadTask(join(tasksDir, id));
    if (!t || t.cleanedUp) continue;
    if ((t.spec as Partial<TaskSpec>).sandbox) out.push([id, t]);
    else old(id);
  }
  return out;
}

/** The task as the control plane should see it, in the wire's words. */
export function toReport(t: LocalTask): TaskStateMessage {
  const bindingsFor = (name: string) => {
    const c = t.spec.containers.find((x) => x.name === name);
    return t.bindings
      .filter((b) => c?.ports.some((p) => p.containerPort === b.containerPort && p.protocol === b.protocol))
      .map((b) => ({ bindIP: '0.0.0.0', containerPort: b.containerPort, hostPort: b.hostPort, protocol: b.protocol }));
  };
  const essentials = t.spec.containers.filter((c) => c.essential).map((c) => t.containers[c.name]);
  const health = essentials.some((c) => c?.health === 'unhealthy')
    ? 'unhealthy'
    : essentials.length > 0 && essentials.every((c) => c?.health === 'healthy')
      ? 'healthy'
      : 'unknown';
  return {
    type: 'task-state',
    taskId: t.spec.id,
    phase: t.phase,
    ...(t.pullStartedAt !== undefined ? { pullStartedAt: t.pullStartedAt } : {}),
    ...(t.pullStoppedAt !== undefined ? { pullStoppedAt: t.pullStoppedAt } : {}),
    ...(t.startedAt !== undefined ? { startedAt: t.startedAt } : {}),
    ...(t.stoppedAt !== undefined ? { stoppedAt: t.stoppedAt } : {}),
    ...(t.ended ? { ended: t.ended } : {}),
    health,
    // Only a workload with a network of its own has an address to report.
    ...(t.network?.ip && t.spec.sandbox.network.mode === 'own'
      ? { network: { ip: t.network.ip, ...(t.network.mac ? { mac: t.network.mac } : {}) } }
      : {}),
    containers: Object.entries(t.containers).map(([name, c]) => ({
      name,
      state: c.state,
      runtimeId: c.runtimeId,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.failure ? { failure: c.failure } : {}),
      ...(c.health ? { health: c.health } : {}),
      ...(c.imageDigest ? { imageDigest: c.imageDigest } : {}),
      ...(c.restartCount ? { restartCount: c.restartCount } : {}),
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      ...(c.lastExit ? { lastExit: c.lastExit } : {}),
      ...(c.state === 'waiting' && c.restartAt !== undefined ? { restartAt: c.restartAt } : {}),
      networkBindings: bindingsFor(name),
    })),
  };
}
