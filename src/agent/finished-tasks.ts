import type { TaskSpec, TaskStateMessage } from '../wire/index.js';

/**
 * The last reports of the tasks this agent ran to the end and cleaned up. A report is sent once,
 * over whichever connection is open; if that server died before storing it (or no connection was
 * open), the control plane still holds the task live on this host and names it again when the
 * agent reconnects. The agent must then repeat how the task ended, never run it a second time
 * nor leave it RUNNING forever. A report is dropped once a full desired set no longer names its
 * task (the control plane has it stopped), and the oldest go first past `limit`.
 */
export class FinishedTasks {
  private readonly reports = new Map<string, TaskStateMessage>();

  constructor(private readonly limit = 5000) {}

  add(report: TaskStateMessage): void {
    this.reports.delete(report.taskId);
    this.reports.set(report.taskId, report);
    if (this.reports.size > this.limit) this.reports.delete(this.reports.keys().next().value as string);
  }

  get(taskId: string): TaskStateMessage | undefined {
    return this.reports.get(taskId);
  }

  all(): TaskStateMessage[] {
    return [...this.reports.values()];
  }

  /** After a full desired set: the tasks it does not name are settled on the control plane. */
  keepOnly(named: ReadonlySet<string>): void {
    for (const id of [...this.reports.keys()]) if (!named.has(id)) this.reports.delete(id);
  }
}

/**
 * What an agent says of a task wanted stopped that it does not run and has no report of (it
 * ended before this agent's last restart, or never reached it): stopped, its containers exited.
 */
export function notRunHere(spec: TaskSpec, now: number): TaskStateMessage {
  return {
    type: 'task-state',
    taskId: spec.id,
    phase: 'stopped',
    stoppedAt: now,
    containers: spec.containers.map((c) => ({ name: c.name, state: 'exited', runtimeId: `${spec.id}-${c.name}` })),
  };
}
