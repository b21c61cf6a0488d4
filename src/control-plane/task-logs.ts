import { invalidParameter, notFound, unavailable } from '../kernel/index.js';
import type { ExecHandle, ExecListener, ExecRequest, LogEventMessage, LogsRequest } from '../wire/index.js';
import { clusterName } from './clusters.js';
import type { ControlPlaneDeps } from './deps.js';
import { hostOf } from './tasks/put-task.js';
import { findTask } from './tasks/tasks.js';
import { taskDefinitionKey, taskDefinitions } from './tables.js';
import { taskDefinitionOfArn } from './arns.js';

/** What an agent session offers others: its containers' logs read, commands run in them. */
export interface LogSource {
  requestLogs(q: Omit<LogsRequest, 'type' | 'requestId'>): Promise<LogEventMessage[]>;
  openExec(q: ExecRequest, listener: ExecListener): ExecHandle;
}

/** The connected agents, by `<cluster>/<containerInstanceId>`. */
export class AgentSessions {
  private readonly byInstance = new Map<string, LogSource>();

  add(cluster: string, instanceId: string, s: LogSource): void {
    this.byInstance.set(`${cluster}/${instanceId}`, s);
  }

  remove(cluster: string, instanceId: string, s: LogSource): void {
    if (this.byInstance.get(`${cluster}/${instanceId}`) === s) this.byInstance.delete(`${cluster}/${instanceId}`);
  }

  get(cluster: string, instanceId: string): LogSource | undefined {
    return this.byInstance.get(`${cluster}/${instanceId}`);
  }
}

export interface TaskLogsQuery {
  cluster?: string;
  task: string;
  /** Defaults to the task's only (or first essential) container. */
  container?: string;
  startTime?: number;
  endTime?: number;
  limit?: number;
  fromEnd?: boolean;
}

/**
 * A container's output, read from the agent that runs (or ran) the task: the agent keeps each
 * container's stdout/stderr with timestamps until the task's directory is cleaned up.
 */
export async function taskLogs(
  deps: ControlPlaneDeps,
  sessions: AgentSessions,
  q: TaskLogsQuery,
): Promise<{ container: string; taskStatus: string; events: LogEventMessage[] }> {
  const cluster = clusterName(q.cluster);
  const task = findTask(deps, cluster, q.task);
  if (!task) throw notFound(`The task ${q.task} was not found in cluster ${cluster}.`, { resource: 'task' });
  const { family, revision } = taskDefinitionOfArn(task.taskDefinitionArn);
  const td = deps.store.read((tx) => tx.get(taskDefinitions, taskDefinitionKey(family, revision)))?.value;
  const names = (td?.input.containerDefinitions ?? []) as { name: string; essential?: boolean }[];
  const container = q.container ?? (names.find((c) => c.essential !== false) ?? names[0])?.name;
  if (!container || !names.some((c) => c.name === container)) {
    throw invalidParameter(`The task has no container named ${q.container ?? '(none)'}.`, { field: 'container' });
  }
  const host = hostOf(task);
  if (!host) throw unavailable('The task has not been placed on a container instance.');
  const source = sessions.get(host.pool, host.id);
  if (!source) throw unavailable(`The agent of the task's host ${host.id} is not connected.`);
  const events = await source.requestLogs({
    taskId: task.id,
    container,
    ...(q.startTime !== undefined ? { startTime: q.startTime } : {}),
    ...(q.endTime !== undefined ? { endTime: q.endTime } : {}),
    ...(q.limit !== undefined ? { limit: q.limit } : {}),
    ...(q.fromEnd ? { fromEnd: true } : {}),
  });
  return { container, taskStatus: task.lastStatus, events };
}
