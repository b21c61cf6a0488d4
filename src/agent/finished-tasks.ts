import type { TaskSpec, TaskStateMessage } from '../wire/index.js';

/**
 * The last reports of the tasks this agent ran to the end and cleaned up. A report is sent once,
 * over whichever connection is open; if that server died before storing it (or no connection was
 * open), the control plane still holds the task live on this host and names it again when the
 * agent reconnects. The agent must then repeat how the task ended, never run it a second time
 * nor leave it RUNNING forever. A report is dropped (or never kept) once the control plane
 * shows it has the task stopped: a delta removes the task, or a full desired set leaves it out.
 * The oldest go first past `limit`.
 */
export class FinishedTasks {
  private readonly reports = new Map<string, TaskStateMessage>();
  /** Tasks the control plane stopped naming while they were still winding down here. */
  private readonly settled = new Set<string>();

  constructor(private readonly limit = 5000) {}

  /** A task ended and was cleaned up: its last report is kept, unless the control plane is done with it. */
  add(report: TaskStateMessage): void {
    if (this.settled.delete(report.taskId)) return;
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

  /** The control plane no longer names these tasks here (it has them stopped). */
  settle(taskIds: readonly string[]): void {
    for (const id of taskIds) {
      if (this.reports.delete(id)) continue;
      this.settled.add(id);
      if (this.settled.size > this.limit) this.settled.delete(this.settled.values().next().value as string);
    }
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
