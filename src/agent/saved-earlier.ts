import type { ContainerFailure, ContainerStateWord, Ended, HealthState, WorkloadPhase } from '../wire/index.js';

// Agents of earlier versions saved a task's state in ECS's words (lastStatus, stopCode,
// stoppedReason, healthStatus, a container's reason). This reads such a file in the host's own
// words, so that an agent upgraded under running tasks adopts them. Only this file knows the old
// words; nothing here is sent or saved in them. (It returns plain records: task-state.ts, which
// owns the LocalTask type, reads through here.)

const PHASES = new Map<string, WorkloadPhase>([
  ['PROVISIONING', 'preparing'],
  ['PENDING', 'pulling'],
  ['ACTIVATING', 'starting'],
  ['RUNNING', 'running'],
  ['DEACTIVATING', 'stopping'],
  ['STOPPING', 'stopping'],
  ['DEPROVISIONING', 'tearing-down'],
  ['STOPPED', 'stopped'],
]);
const STATES = new Map<string, ContainerStateWord>([
  ['PENDING', 'waiting'],
  ['RUNNING', 'running'],
  ['STOPPED', 'exited'],
]);
const HEALTH = new Map<string, HealthState>([
  ['HEALTHY', 'healthy'],
  ['UNHEALTHY', 'unhealthy'],
  ['UNKNOWN', 'unknown'],
]);
const OOM = 'OutOfMemoryError: Container killed due to memory usage';

function containerFailure(reason: unknown): ContainerFailure | undefined {
  if (typeof reason !== 'string' || reason === '') return undefined;
  if (reason === OOM) return { cause: 'oom-killed' };
  const pull = 'CannotPullContainerError: ';
  if (reason.startsWith(pull)) return { cause: 'image-pull', message: reason.slice(pull.length) };
  const start = 'CannotStartContainerError: ';
  return { cause: 'container-start', message: reason.startsWith(start) ? reason.slice(start.length) : reason };
}

function ended(stopCode: unknown, stoppedReason: unknown): Ended | undefined {
  if (stopCode === 'EssentialContainerExited') return { cause: 'essential-exited' };
  // A failure to start was saved in the face's words already: the face shows `refused` verbatim.
  if (typeof stoppedReason === 'string' && stoppedReason !== '') return { cause: 'refused', message: stoppedReason };
  return undefined;
}

type Saved = Record<string, unknown>;

/** A saved task in this version's words: as it is, or converted from an earlier agent's. */
export function fromEarlierAgent(saved: unknown): Saved | undefined {
  if (typeof saved !== 'object' || saved === null) return undefined;
  const old = saved as Saved;
  if (typeof old['phase'] === 'string') return old;
  const phase = typeof old['lastStatus'] === 'string' ? PHASES.get(old['lastStatus']) : undefined;
  if (!phase) return old;
  const {
    lastStatus: _status,
    stopCode,
    stoppedReason,
    containers: oldContainers,
    ...rest
  } = old as Saved & { containers?: Record<string, Saved> };
  const containers: Record<string, Saved> = {};
  for (const [name, c] of Object.entries(oldContainers ?? {})) {
    const { lastStatus, reason, healthStatus, ...kept } = c;
    const failure = containerFailure(reason);
    const health = typeof healthStatus === 'string' ? HEALTH.get(healthStatus) : undefined;
    containers[name] = {
      ...kept,
      state: (typeof lastStatus === 'string' ? STATES.get(lastStatus) : undefined) ?? 'waiting',
      ...(failure ? { failure } : {}),
      ...(health ? { health } : {}),
    };
  }
  const why = ended(stopCode, stoppedReason);
  return { ...rest, phase, containers, ...(why ? { ended: why } : {}) };
}
