import type { Logger } from '../kernel/index.js';
import { ingestDriverBatch } from '../logs/index.js';
import {
  agentMessageSchema,
  type AgentMessage,
  type Hello,
  type LogEventMessage,
  type ExecHandle,
  type ExecListener,
  type ExecRequest,
  type LogsRequest,
  type ServerMessage,
  type TaskSpec,
} from '../wire/index.js';
import { registerAgentHost } from './agent-registration.js';
import { applyAgentTaskState } from './agent-task-reports.js';
import { setAgentConnected } from './container-instances.js';
import type { ControlPlaneDeps } from './deps.js';
import { FLEET, tasks, type TaskRecord } from './tables.js';
import type { AgentSessions, LogSource } from './task-logs.js';
import { desiredTasks, specFor } from './host-tasks.js';
import { recordUsage } from './task-usage.js';
import { taskRoleCredentials } from './task-credentials.js';
import { ForeignFeed } from './foreign-workloads.js';
import { ExecChannels } from './exec-channels.js';
import { PendingRequests } from './pending-requests.js';
import { TaskRouter, taskHostKey, type TaskListener } from './task-router.js';

/** The transport the gateway speaks through (a websocket in production, a twin in tests). */
export interface AgentConnection {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
  /** The agent's address as this end sees it (a loopback one for the local agent). */
  remoteAddress?: string;
}

export interface AgentGatewayOptions {
  logger: Logger;
  /** Registry credentials handed to agents so they can pull from berth's own registry. */
  registryCredentials?: () => { host: string; authorization: string; aliases?: string[] };
  heartbeatTimeoutMs?: number;
  /** Where connected sessions are found (to read a task's logs from its agent). */
  sessions?: AgentSessions;
  /** How long a logs request may wait for the agent. */
  requestTimeoutMs?: number;
  /** The one watch of the tasks table every session of a server shares (a session makes its own without). */
  router?: TaskRouter;
}

/**
 * One agent session: hello registers (or re-registers) the instance and marks its agent
 * connected; from then on every change to the instance's tasks sends the full desired set;
 * state reports go to the task records; a closed or silent connection marks the agent
 * disconnected. Handlers only enqueue; the send re-reads the store (level-triggered).
 */
export class AgentSession implements LogSource {
  /** The host: a container instance of `cluster` (when given), a Fargate fleet host when `fleet`. */
  private instance?: { cluster?: string; id: string; fleet: boolean };
  private readonly requests: PendingRequests<LogEventMessage[]>;
  private seq = 0;
  private readonly execs: ExecChannels;
  /** The messages being handled, in order. */
  private inbox: Promise<void> = Promise.resolve();
  /** Each task's spec as last sent, so a delta carries only what changed. */
  private readonly sent = new Map<string, string>();
  /** The other face's workloads for this host (Kubernetes pods), if the server has such a face. */
  private feed?: ForeignFeed;
  /** Tasks changed since the last send, by store key (`<cluster>/<id>`). */
  private readonly dirty = new Set<string>();
  private pending = false;
  private silence?: NodeJS.Timeout;
  private readonly router: TaskRouter;
  private unlisten?: () => void;
  /** The router's keys for this host: as a container instance of its cluster, as a fleet host. */
  private hostKeys: string[] = [];
  private readonly listener: TaskListener = {
    changed: (key) => {
      this.dirty.add(key);
      this.schedulePush();
    },
    resync: () => this.push(),
  };

  constructor(
    private readonly deps: ControlPlaneDeps,
    private readonly conn: AgentConnection,
    private readonly options: AgentGatewayOptions,
  ) {
    this.router = options.router ?? new TaskRouter(deps.store, options.logger);
    this.execs = new ExecChannels((m) => this.conn.send(m));
    this.requests = new PendingRequests(options.requestTimeoutMs ?? 10_000);
    this.armSilenceTimer();
  }

  private armSilenceTimer(): void {
    clearTimeout(this.silence);
    this.silence = setTimeout(() => this.conn.close(4000, 'no heartbeat'), this.options.heartbeatTimeoutMs ?? 60_000);
    this.silence.unref?.();
  }

  /** Takes one message; resolves once it (and every one before it) has been handled. */
  onMessage(raw: string): Promise<void> {
    this.armSilenceTimer();
    let parsed;
    try {
      parsed = agentMessageSchema.safeParse(JSON.parse(raw));
    } catch {
      this.conn.send({ type: 'error', message: 'messages must be JSON' });
      return this.inbox;
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.conn.send({
        type: 'error',
        message: `invalid message: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`,
      });
      return this.inbox;
    }
    const msg = parsed.data;
    // One message at a time, in the order sent: a state report must not overtake the hello that
    // registers its host, nor an earlier report of the same task, while a write is committing.
    this.inbox = this.inbox
      .then(() => this.handle(msg))
      .catch((e: unknown) => this.options.logger.error({ err: String(e), type: msg.type }, 'agent message failed'));
    return this.inbox;
  }

  private async handle(msg: AgentMessage): Promise<void> {
    if (msg.type === 'hello') await this.hello(msg);
    else if (!this.instance) this.conn.send({ type: 'error', message: 'say hello first' });
    else if (msg.type === 'task-state') await applyAgentTaskState(this.deps, this.instance, msg);
    else if (msg.type === 'usage') {
      try {
        await recordUsage(this.deps, this.instance, msg);
        this.deps.foreign?.usage?.(
          { id: this.instance.id, ...(this.instance.cluster ? { cluster: this.instance.cluster } : {}) },
          msg,
        );
      } catch (e) {
        this.options.logger.warn({ err: String(e) }, 'usage report not recorded');
      }
    } else if (msg.type === 'volumes-removed') {
      const host = { id: this.instance.id, ...(this.instance.cluster ? { cluster: this.instance.cluster } : {}) };
      await this.deps.foreign
        ?.volumesRemoved?.(host, msg.ids)
        .catch((e: unknown) => this.options.logger.warn({ err: String(e) }, 'volume removals not recorded'));
    } else if (msg.type === 'log-batch') {
      const { type: _t, requestId, ...batch } = msg;
      try {
        await ingestDriverBatch(this.deps, batch);
        this.conn.send({ type: 'log-ack', requestId });
      } catch (e) {
        this.conn.send({ type: 'log-ack', requestId, error: (e as Error).message });
      }
    } else if (msg.type === 'credentials-request') {
      this.conn.send({
        type: 'credentials',
        requestId: msg.requestId,
        ...(await taskRoleCredentials(this.deps, this.instance, msg.taskId)),
      });
    } else if (msg.type === 'exec-output') this.execs.onOutput(msg);
    else if (msg.type === 'exec-exit') this.execs.onExit(msg);
    else if (msg.type === 'logs') {
      this.requests.settle(msg.requestId, msg.error ? { error: msg.error } : { value: msg.events });
    }
  }

  /** Runs a command in a container of one of the host's workloads, streamed both ways. */
  openExec(q: ExecRequest, listener: ExecListener): ExecHandle {
    return this.execs.start(q, listener);
  }

  /** Asks the agent for lines of a container's log. */
  requestLogs(q: Omit<LogsRequest, 'type' | 'requestId'>): Promise<LogEventMessage[]> {
    return this.requests.ask((requestId) => this.conn.send({ type: 'logs-request', requestId, ...q }));
  }

  private async hello(h: Hello): Promise<void> {
    try {
      const { cluster, record: me, fleet } = await registerAgentHost(this.deps, h, this.conn.remoteAddress);
      this.dropSessions();
      this.instance = { ...(cluster ? { cluster } : {}), id: me.id, fleet };
      if (cluster) this.options.sessions?.add(cluster, me.id, this);
      if (fleet) this.options.sessions?.add(FLEET, me.id, this);
      this.conn.send({
        type: 'welcome',
        cluster: cluster ?? FLEET,
        containerInstanceId: me.id,
        containerInstanceArn: me.arn,
        ...(this.options.registryCredentials ? { registry: this.options.registryCredentials() } : {}),
      });
      this.options.logger.info({ cluster, instance: me.id, fargate: fleet }, 'agent connected');
      this.hostKeys = [
        ...(cluster ? [TaskRouter.hostKey(cluster, me.id)] : []),
        ...(fleet ? [TaskRouter.hostKey(FLEET, me.id)] : []),
      ];
      this.unlisten?.();
      this.unlisten = this.router.listen(this.hostKeys, this.listener);
      this.feed?.close();
      // The other face places its workloads on container instances (not on the Fargate fleet).
      this.feed =
        this.deps.foreign && cluster
          ? new ForeignFeed(
              this.deps.foreign,
              { id: me.id, cluster },
              (tasks, removed) => this.conn.send({ type: 'desired-delta', seq: ++this.seq, tasks, removed }),
              (routes) => this.conn.send({ type: 'routes', routes }),
              (ids) => this.conn.send({ type: 'volume-removals', ids }),
            )
          : undefined;
      // The full desired set from a current view: a task placed through another server and not
      // yet seen here would be missing from it, and the agent stops what a full set leaves out.
      await this.deps.store.fresh();
      this.push();
      this.feed?.routes(true);
      this.feed?.removals(true);
    } catch (e) {
      this.conn.send({ type: 'error', message: (e as Error).message });
      this.conn.close(4001, 'registration refused');
    }
  }

  private dropSessions(): void {
    const inst = this.instance;
    if (!inst) return;
    if (inst.cluster) this.options.sessions?.remove(inst.cluster, inst.id, this);
    if (inst.fleet) this.options.sessions?.remove(FLEET, inst.id, this);
  }

  /** Whether a task (as stored now) is this host's to run. */
  private owns(t: TaskRecord): boolean {
    const host = taskHostKey(t);
    return host !== undefined && this.hostKeys.includes(host);
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
    const desired = desiredTasks(this.deps, this.instance.cluster, this.instance.id, this.instance.fleet);
    this.releaseAll();
    this.dirty.clear();
    for (const t of desired) {
      this.sent.set(t.id, JSON.stringify(t));
      this.router.hold(t.id, this.listener);
    }
    const foreign = this.feed?.full() ?? [];
    this.conn.send({ type: 'desired', seq: ++this.seq, tasks: [...desired, ...foreign] });
  }

  /** Then only what changed: new or changed specs, and tasks no longer wanted here. */
  private pushDelta(): void {
    const inst = this.instance;
    if (!inst || this.dirty.size === 0) return;
    const changed: TaskSpec[] = [];
    const removed: string[] = [];
    this.deps.store.read((tx) => {
      for (const key of this.dirty) {
        const id = key.slice(key.indexOf('/') + 1);
        const t = tx.get(tasks, key)?.value;
        const spec = t && this.owns(t) && t.lastStatus !== 'STOPPED' ? specFor(this.deps, tx, t) : undefined;
        if (spec) {
          const body = JSON.stringify(spec);
          if (this.sent.get(id) === body) continue;
          this.sent.set(id, body);
          this.router.hold(id, this.listener);
          changed.push(spec);
        } else if (this.sent.delete(id)) {
          this.router.release(id, this.listener);
          removed.push(id);
        }
      }
    });
    this.dirty.clear();
    if (changed.length || removed.length)
      this.conn.send({ type: 'desired-delta', seq: ++this.seq, tasks: changed, removed });
  }

  private releaseAll(): void {
    for (const id of this.sent.keys()) this.router.release(id, this.listener);
    this.sent.clear();
  }

  /** Resolves once the host is marked disconnected (after every message before the close). */
  onClose(): Promise<void> {
    clearTimeout(this.silence);
    this.unlisten?.();
    this.feed?.close();
    this.releaseAll();
    if (!this.options.router) this.router.close();
    this.requests.failAll('The agent disconnected.');
    this.execs.closeAll('The agent disconnected.');
    // After what the agent sent last (a hello still registering, a final report).
    this.inbox = this.inbox.then(async () => {
      const inst = this.instance;
      if (!inst) return;
      this.dropSessions();
      try {
        if (inst.cluster) await setAgentConnected(this.deps, inst.cluster, inst.id, false);
        if (inst.fleet) await setAgentConnected(this.deps, FLEET, inst.id, false);
      } catch (e) {
        this.options.logger.error({ err: String(e), instance: inst.id }, 'agent not marked disconnected');
      }
      this.options.logger.info({ cluster: inst.cluster, instance: inst.id }, 'agent disconnected');
    });
    return this.inbox;
  }
}
