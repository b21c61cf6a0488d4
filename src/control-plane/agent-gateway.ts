import { randomUUID } from 'node:crypto';
import { unavailable } from '../kernel/errors.js';
import { ingestDriverBatch } from '../logs/ingest.js';
import type { Logger } from '../kernel/logger.js';
import {
  agentMessageSchema,
  type Hello,
  type LogEventMessage,
  type LogsRequest,
  type ServerMessage,
  type TaskSpec,
} from '../wire/agent-protocol.js';
import { getCluster } from './clusters.js';
import { registerContainerInstance, setAgentConnected } from './container-instances.js';
import type { ControlPlaneDeps } from './deps.js';
import type { ReadTx } from '../store/port.js';
import { liveTasks, tasks, taskDefinitions, type TaskRecord } from './tables.js';
import type { AgentSessions, LogSource } from './task-logs.js';
import { effectiveContainers } from './tasks/resources.js';
import { applyTaskState } from './tasks/task-state.js';

/** The transport the gateway speaks through (a websocket in production, a twin in tests). */
export interface AgentConnection {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

export interface AgentGatewayOptions {
  logger: Logger;
  /** Registry credentials handed to agents so they can pull from berth's own registry. */
  registryCredentials?: () => { host: string; authorization: string };
  heartbeatTimeoutMs?: number;
  /** Where connected sessions are found (to read a task's logs from its agent). */
  sessions?: AgentSessions;
  /** How long a logs request may wait for the agent. */
  requestTimeoutMs?: number;
}

/** What an agent needs to run one task: the registered definition with the task's overrides. */
function specFor(tx: ReadTx, t: TaskRecord): TaskSpec {
  const [family, revision] = t.taskDefinitionArn.slice(t.taskDefinitionArn.lastIndexOf('/') + 1).split(':') as [
    string,
    string,
  ];
  const td = tx.get(taskDefinitions, `${family}/${revision.padStart(9, '0')}`)?.value;
  const input = td?.input ?? {};
  return {
    taskId: t.id,
    taskArn: t.arn,
    family: t.family,
    desiredStatus: t.desiredStatus,
    networkMode: (input.networkMode as string | undefined) ?? 'bridge',
    cpu: t.cpu,
    memory: t.memory,
    containers: td ? effectiveContainers(td, t.overrides) : [],
    volumes: (input.volumes as Record<string, unknown>[] | undefined) ?? [],
    ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn as string } : {}),
  };
}

/** The task specs an instance should be running (or stopping), from the store. */
export function desiredTasks(deps: ControlPlaneDeps, cluster: string, instanceId: string): TaskSpec[] {
  return deps.store.read((tx) =>
    tx
      .list(liveTasks, { prefix: `${cluster}/${instanceId}/` })
      .map((e) => tx.get(tasks, `${cluster}/${e.value.taskId}`)?.value)
      .filter((t): t is TaskRecord => t !== undefined)
      .map((t) => specFor(tx, t)),
  );
}

/**
 * One agent session: hello registers (or re-registers) the instance and marks its agent
 * connected; from then on every change to the instance's tasks sends the full desired set;
 * state reports go to the task records; a closed or silent connection marks the agent
 * disconnected. Handlers only enqueue; the send re-reads the store (level-triggered).
 */
export class AgentSession implements LogSource {
  private instance?: { cluster: string; id: string };
  private readonly requests = new Map<
    string,
    { resolve: (e: LogEventMessage[]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private seq = 0;
  /** Each task's spec as last sent, so a delta carries only what changed. */
  private readonly sent = new Map<string, string>();
  /** Tasks changed since the last send. */
  private readonly dirty = new Set<string>();
  private pending = false;
  private readonly watchAbort = new AbortController();
  private silence?: NodeJS.Timeout;

  constructor(
    private readonly deps: ControlPlaneDeps,
    private readonly conn: AgentConnection,
    private readonly options: AgentGatewayOptions,
  ) {
    this.armSilenceTimer();
  }

  private armSilenceTimer(): void {
    clearTimeout(this.silence);
    this.silence = setTimeout(() => this.conn.close(4000, 'no heartbeat'), this.options.heartbeatTimeoutMs ?? 60_000);
    this.silence.unref?.();
  }

  onMessage(raw: string): void {
    this.armSilenceTimer();
    let parsed;
    try {
      parsed = agentMessageSchema.safeParse(JSON.parse(raw));
    } catch {
      this.conn.send({ type: 'error', message: 'messages must be JSON' });
      return;
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.conn.send({
        type: 'error',
        message: `invalid message: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`,
      });
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'hello') this.hello(msg);
    else if (!this.instance) this.conn.send({ type: 'error', message: 'say hello first' });
    else if (msg.type === 'task-state') {
      const { type: _t, ...report } = msg;
      applyTaskState(this.deps, this.instance.cluster, this.instance.id, report);
    } else if (msg.type === 'log-batch') {
      const { type: _t, requestId, ...batch } = msg;
      try {
        ingestDriverBatch(this.deps, batch);
        this.conn.send({ type: 'log-ack', requestId });
      } catch (e) {
        this.conn.send({ type: 'log-ack', requestId, error: (e as Error).message });
      }
    } else if (msg.type === 'logs') {
      const r = this.requests.get(msg.requestId);
      if (!r) return;
      this.requests.delete(msg.requestId);
      clearTimeout(r.timer);
      if (msg.error) r.reject(unavailable(msg.error));
      else r.resolve(msg.events);
    }
  }

  /** Asks the agent for lines of a container's log. */
  requestLogs(q: Omit<LogsRequest, 'type' | 'requestId'>): Promise<LogEventMessage[]> {
    const requestId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(requestId);
        reject(unavailable('The agent did not answer in time.'));
      }, this.options.requestTimeoutMs ?? 10_000);
      this.requests.set(requestId, { resolve, reject, timer });
      this.conn.send({ type: 'logs-request', requestId, ...q });
    });
  }

  private hello(h: Hello): void {
    try {
      const cluster = getCluster(this.deps, h.cluster).name;
      const rec = registerContainerInstance(this.deps, {
        cluster,
        ...(h.containerInstanceId ? { containerInstanceId: h.containerInstanceId } : {}),
        ...(h.ec2InstanceId ? { ec2InstanceId: h.ec2InstanceId } : {}),
        cpu: h.resources.cpu,
        memory: h.resources.memory,
        ports: h.resources.ports,
        gpus: h.resources.gpus,
        attributes: h.attributes,
        agentVersion: h.agentVersion,
        ...(h.hostname ? { hostname: h.hostname } : {}),
        agentConnected: true,
      });
      if (this.instance) this.options.sessions?.remove(this.instance.cluster, this.instance.id, this);
      this.instance = { cluster, id: rec.id };
      this.options.sessions?.add(cluster, rec.id, this);
      this.conn.send({
        type: 'welcome',
        cluster,
        containerInstanceId: rec.id,
        containerInstanceArn: rec.arn,
        ...(this.options.registryCredentials ? { registry: this.options.registryCredentials() } : {}),
      });
      this.options.logger.info({ cluster, instance: rec.id }, 'agent connected');
      void this.follow();
      this.push();
    } catch (e) {
      this.conn.send({ type: 'error', message: (e as Error).message });
      this.conn.close(4001, 'registration refused');
    }
  }

  private async follow(): Promise<void> {
    const from = this.deps.store.revision();
    try {
      for await (const c of this.deps.store.watch(from, { tables: [tasks.name], signal: this.watchAbort.signal })) {
        // Only this instance's tasks matter, and any task it was sent (it may have moved on).
        const inst = this.instance;
        if (!inst || !c.key.startsWith(`${inst.cluster}/`)) continue;
        const id = c.key.slice(inst.cluster.length + 1);
        const owner = (c.value as { containerInstanceId?: string } | undefined)?.containerInstanceId;
        if (owner === inst.id || this.sent.has(id)) {
          this.dirty.add(id);
          this.schedulePush();
        }
      }
    } catch (e) {
      this.options.logger.warn({ err: String(e) }, 'agent session lost its watch; closing');
      this.conn.close(4002, 'resync');
    }
  }

  private schedulePush(): void {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      this.pushDelta();
    });
  }

  /** The full desired set: on (re)connect, so the agent converges whatever it missed. */
  private push(): void {
    if (!this.instance) return;
    const desired = desiredTasks(this.deps, this.instance.cluster, this.instance.id);
    this.sent.clear();
    this.dirty.clear();
    for (const t of desired) this.sent.set(t.taskId, JSON.stringify(t));
    this.conn.send({ type: 'desired', seq: ++this.seq, tasks: desired });
  }

  /** Then only what changed: new or changed specs, and tasks no longer wanted here. */
  private pushDelta(): void {
    const inst = this.instance;
    if (!inst || this.dirty.size === 0) return;
    const changed: TaskSpec[] = [];
    const removed: string[] = [];
    this.deps.store.read((tx) => {
      for (const id of this.dirty) {
        const t = tx.get(tasks, `${inst.cluster}/${id}`)?.value;
        if (t && t.containerInstanceId === inst.id && t.lastStatus !== 'STOPPED') {
          const spec = specFor(tx, t);
          const body = JSON.stringify(spec);
          if (this.sent.get(id) === body) continue;
          this.sent.set(id, body);
          changed.push(spec);
        } else if (this.sent.delete(id)) {
          removed.push(id);
        }
      }
    });
    this.dirty.clear();
    if (changed.length || removed.length)
      this.conn.send({ type: 'desired-delta', seq: ++this.seq, tasks: changed, removed });
  }

  onClose(): void {
    clearTimeout(this.silence);
    this.watchAbort.abort();
    for (const r of this.requests.values()) {
      clearTimeout(r.timer);
      r.reject(unavailable('The agent disconnected.'));
    }
    this.requests.clear();
    if (this.instance) {
      this.options.sessions?.remove(this.instance.cluster, this.instance.id, this);
      setAgentConnected(this.deps, this.instance.cluster, this.instance.id, false);
      this.options.logger.info({ cluster: this.instance.cluster, instance: this.instance.id }, 'agent disconnected');
    }
  }
}
