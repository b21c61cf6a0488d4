import { mkdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../kernel/index.js';
import { FARGATE_FLEET, type LogsRequest, type ServerMessage, type TaskSpec } from '../wire/index.js';
import type { AgentConfig } from './agent-config.js';
import { ControlPlaneLink } from './control-plane-link.js';
import { answerLogsRequest } from './container-logs.js';
import { hostCallerCheck, hostPlatform, readContainerStats } from './task-platform.js';
import { reportUsage } from './usage-sampler.js';
import { LogShipper, shipTargets } from './log-shipper.js';
import { housekeep, DEFAULT_HOUSEKEEPING } from './housekeeping.js';
import { ImageStore } from './images/image-store.js';
import { RegistryClient } from './images/registry-client.js';
import { helloMessage, savedInstanceId } from './hello.js';
import { prepareCgroupsForCrun } from './runtime/cgroup-layout.js';
import { Runtime } from './runtime/runtime.js';
import { ImageUsers } from './runtime/users.js';
import { TaskRunner } from './task-runner.js';
import { FinishedTasks, notRunHere } from './finished-tasks.js';
import { TaskEndpoint, usesTaskEndpoint } from './task-endpoint.js';
import { ServiceProxy, withControlPlane } from './service-proxy.js';
import { ExecSessions } from './exec-sessions.js';
import { connectPort } from './port-connection.js';
import { ClusterDns } from './cluster-dns.js';
import { HostLease } from './host-lease.js';
import { removeSharedVolumes } from './volume-removals.js';
import { loopbackAddresses } from './runtime/network.js';
import { parseResolvConf } from './runtime/resolv-conf.js';
import { loadSavedTasks, newLocalTask, saveTask, toReport, type LocalTask } from './task-state.js';

/** The host's own resolvers, for the cluster DNS to pass questions outside its zone on to. */
const hostResolvers = async () =>
  parseResolvConf(await readFile('/etc/resolv.conf', 'utf8').catch(() => '')).nameservers;

/** How long a stopping agent waits for the host's service addresses to be given back. */
const STOP_GRACE_MS = 3000;

export type { AgentConfig } from './agent-config.js';

/**
 * The node agent: registers its host over the agent wire, diffs the desired task set against
 * what runs here and converges, reports every change. Containers outlive the agent; on start it
 * picks up the tasks it left (and their exit codes) from its data directory.
 */
export class Agent {
  private readonly link: ControlPlaneLink;
  private readonly runners = new Map<string, TaskRunner>();
  private readonly finished = new FinishedTasks();
  private instanceId?: string;
  private credentials = new Map<string, string>();
  private registryRoutes = new Map<string, string>();
  private inbox: Promise<void> = Promise.resolve();
  /** Shared volumes the control plane asked this host to remove, not yet done (in use then). */
  private pendingRemovals: string[] = [];
  private readonly shipper: LogShipper;
  private readonly taskEndpoint: TaskEndpoint;
  private readonly services: ServiceProxy;
  private readonly execs: ExecSessions;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly runtime: Runtime;
  private readonly users = new ImageUsers();
  private readonly images: ImageStore;

  constructor(
    private readonly config: AgentConfig,
    private readonly logger: Logger,
  ) {
    // The servers' endpoints, in the order they are tried (`config.endpoint`, comma-separated).
    const endpoints = config.endpoint
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    this.link = new ControlPlaneLink(
      endpoints,
      {
        ...(config.region ? { region: config.region } : {}),
        ...(config.credentials ? { credentials: config.credentials } : {}),
      },
      logger,
      {
        hello: () => helloMessage(this.config, this.instanceId),
        message: (msg, endpoint) => this.dispatch(msg, endpoint),
        closed: () => this.execs.hangUpAll(),
      },
    );
    this.runtime = new Runtime({
      binary: config.runtime ?? 'runc',
      root: join(config.dataDir, config.runtime ?? 'runc'),
      socketDir: join(config.dataDir, 'conmon'),
      // Large: conmon truncates a log that reaches it, and awslogs ships from the file.
      logSizeMax: config.logSizeMax ?? 1024 * 1024 * 1024,
      // Two: a task's first containers start on monitors already up; more start as before.
      warm: { size: 2, dir: join(config.dataDir, 'monitors') },
    });
    this.shipper = new LogShipper((m) => this.send(m), logger);
    this.taskEndpoint = new TaskEndpoint(
      () => [...this.runners.values()].map((r) => r.task),
      (m) => this.send(m),
      logger,
      readContainerStats,
      hostCallerCheck,
    );
    this.services = new ServiceProxy(
      loopbackAddresses,
      new ClusterDns(hostResolvers, logger),
      new HostLease('berth-service-proxy'),
      logger,
    );
    this.execs = new ExecSessions({
      runtime: this.runtime,
      connect: (host, port) => connectPort(host, port),
      tasksDir: this.tasksDir,
      task: (id) => this.runners.get(id)?.task,
      send: (m) => this.send(m),
      logger,
    });
    this.images = new ImageStore(
      join(config.dataDir, 'images'),
      new RegistryClient(
        () => this.credentials,
        () => this.registryRoutes,
      ),
    );
  }

  private get tasksDir(): string {
    return join(this.config.dataDir, 'tasks');
  }

  async start(): Promise<void> {
    if (basename(this.config.runtime ?? 'runc') === 'crun') await prepareCgroupsForCrun(this.logger);
    await mkdir(this.tasksDir, { recursive: true });
    this.instanceId = await savedInstanceId(this.config.dataDir, this.config.cluster ?? FARGATE_FLEET);
    for (const [id, t] of await loadSavedTasks(this.tasksDir, (id) =>
      this.logger.warn({ task: id }, 'task saved by an older agent version: left as it is'),
    )) {
      const r = this.runner(id, t);
      await r
        .recover()
        .catch((e: unknown) => this.logger.error({ task: id, err: String(e) }, 'recovering the task failed'));
      this.runners.set(id, r);
    }
    // Tasks that ran on before this agent restarted still reach their credentials and metadata.
    if ([...this.runners.values()].some((r) => usesTaskEndpoint(r.task)))
      void this.taskEndpoint
        .serve(this.config.network.bridge)
        .catch((e: unknown) => this.logger.error({ err: String(e) }, 'the task endpoint could not be served'));
    this.runtime.warmUp();
    this.link.connect();
    this.timers.push(
      setInterval(
        () => void this.tickAll().catch((e: unknown) => this.logger.error({ err: String(e) }, 'tick failed')),
        250,
      ),
    );
    this.timers.push(setInterval(() => this.send({ type: 'heartbeat' }), 15_000));
    // A volume still in use when its removal was asked for is tried again once its workload is gone.
    this.timers.push(setInterval(() => this.pendingRemovals.length && this.queueRemovals(), 5000));
    this.timers.push(
      reportUsage(
        () => [...this.runners.values()].map((r) => r.task),
        (m) => this.send(m),
        this.config.usageIntervalMs,
      ),
    );
    this.timers.push(
      setInterval(() => {
        for (const r of this.runners.values()) {
          if (!r.task.cleanedUp) void this.drainLogs(r.task).catch(() => undefined);
        }
      }, 1000),
    );
    this.timers.push(
      setInterval(
        () => void this.housekeep().catch((e: unknown) => this.logger.error({ err: String(e) }, 'cleanup failed')),
        this.config.cleanupIntervalMs ?? 30 * 60_000,
      ),
    );
  }

  /** Image and task cleanup; images of tasks still on this host are never removed. */
  async housekeep(now = Date.now()): Promise<void> {
    await housekeep({
      dataDir: this.config.dataDir,
      images: this.images,
      inUse: new Set([...this.runners.values()].flatMap((r) => r.task.spec.containers.map((c) => String(c.image)))),
      options: { ...DEFAULT_HOUSEKEEPING, ...this.config.housekeeping },
      now,
      logger: this.logger,
    });
  }

  private runner(id: string, task: LocalTask): TaskRunner {
    return new TaskRunner(join(this.tasksDir, id), task, {
      images: this.images,
      runtime: this.runtime,
      users: this.users,
      pullBehavior: this.config.imagePullBehavior ?? 'default',
      volumesDir: join(this.config.dataDir, 'volumes'),
      platform: hostPlatform({ ...this.config.network, dataDir: join(this.config.dataDir, 'cni') }, () =>
        this.taskEndpoint.serve(this.config.network.bridge),
      ),
      logger: this.logger,
      report: (t) => void this.send(toReport(t)),
      drainLogs: (t, final) => this.drainLogs(t, final),
      now: () => Date.now(),
    });
  }

  /** Advances these tasks (every one by default) side by side; each runner serialises its own steps. */
  private async tickAll(ids: Iterable<string> = this.runners.keys()): Promise<void> {
    await Promise.all(
      [...ids].map(async (id) => {
        const r = this.runners.get(id);
        if (!r) return;
        await r.tick();
        if (r.task.cleanedUp) {
          this.finished.add(toReport(r.task));
          this.runners.delete(id);
          this.taskEndpoint.forget(id);
        }
      }),
    );
  }

  private send(msg: object): boolean {
    return this.link.send(msg);
  }

  /** Ships a task's awslogs output; true once all of it is stored. */
  private async drainLogs(t: LocalTask, final = false): Promise<boolean> {
    const results = await Promise.all(shipTargets(this.tasksDir, t).map((target) => this.shipper.drain(target, final)));
    return results.every(Boolean);
  }

  /** A server's message: logs, acknowledgements and streams at once; desired sets and the like in turn. */
  private dispatch(msg: ServerMessage, endpoint: string): void {
    // One message at a time, in order: an older desired set applied after a newer one would stop
    // the tasks only the newer one names. A failed step is logged, never allowed to take the
    // agent (and its watch) down.
    const failed = (e: unknown) => this.logger.error({ err: String(e) }, 'handling a control plane message failed');
    // Reading logs and acknowledgements change nothing here, so they need not wait their turn.
    if (msg.type === 'logs-request') this.answerLogs(msg).catch(failed);
    else if (msg.type === 'log-ack') this.shipper.onAck(msg.requestId, msg.error);
    else if (msg.type === 'credentials') this.taskEndpoint.onAnswer(msg.requestId, msg);
    else if (msg.type === 'routes') void this.services.apply(withControlPlane(msg.routes, endpoint));
    // In turn with the desired sets: a volume is removed after the workloads using it have gone.
    else if (msg.type === 'volume-removals') {
      this.pendingRemovals = msg.ids;
      this.queueRemovals();
    } else if (msg.type === 'exec-start') this.execs.start(msg).catch(failed);
    else if (msg.type === 'exec-input') this.execs.input(msg);
    else this.inbox = this.inbox.then(() => this.onMessage(msg)).catch(failed);
  }

  private async onMessage(msg: ServerMessage): Promise<void> {
    if (msg.type === 'welcome') {
      this.instanceId = msg.containerInstanceId;
      if (msg.registry) {
        this.credentials = new Map([[msg.registry.host, msg.registry.authorization]]);
        // Every other name of berth's registry is pulled from the host berth named, with its credentials.
        this.registryRoutes = new Map((msg.registry.aliases ?? []).map((a) => [a, msg.registry?.host as string]));
      }
      await writeFile(
        join(this.config.dataDir, 'agent.json'),
        JSON.stringify({ cluster: msg.cluster, containerInstanceId: msg.containerInstanceId }),
      );
      this.logger.info({ instance: msg.containerInstanceArn }, 'registered');
      // Whatever happened while away, and how the tasks that ended meanwhile ended.
      for (const r of this.runners.values()) this.send(r.report());
      for (const report of this.finished.all()) this.send(report);
    } else if (msg.type === 'desired') {
      // The full set: whatever it does not name is no longer wanted here.
      const named = new Set(msg.tasks.map((t) => t.id));
      const removed = [...this.runners.keys()].filter((id) => !named.has(id));
      await this.reconcile(msg.tasks, removed);
      this.finished.settle(removed);
      this.finished.keepOnly(named);
    } else if (msg.type === 'desired-delta') {
      await this.reconcile(msg.tasks, msg.removed);
      this.finished.settle(msg.removed);
    } else if (msg.type === 'error') {
      this.logger.error({ message: msg.message }, 'control plane refused a message');
    }
  }

  /** The control plane's volume removals, in turn with the desired sets (after the workloads using them have gone). */
  private queueRemovals(): void {
    this.inbox = this.inbox
      .then(async () => {
        const live = [...this.runners.values()].filter((r) => !r.task.cleanedUp).map((r) => r.task.spec);
        const ids = await removeSharedVolumes(join(this.config.dataDir, 'volumes'), this.pendingRemovals, live);
        if (!ids.length) return;
        this.pendingRemovals = this.pendingRemovals.filter((id) => !ids.includes(id));
        this.send({ type: 'volumes-removed', ids });
      })
      .catch((e: unknown) => this.logger.error({ err: String(e) }, 'removing volumes failed'));
  }

  private async answerLogs(q: LogsRequest): Promise<void> {
    this.send(await answerLogsRequest(this.tasksDir, q));
  }

  /** Converges on what is wanted: new tasks start, changed ones update, removed ones stop. */
  private async reconcile(desired: TaskSpec[], removed: string[]): Promise<void> {
    const touched = new Set([...desired.map((s) => s.id), ...removed]);
    for (const spec of desired) {
      const r = this.runners.get(spec.id);
      const ended = r ? undefined : this.finished.get(spec.id);
      if (r) r.updateSpec(spec);
      else if (ended)
        this.send(ended); // ran here to the end: its end again, never a second run
      else if (spec.desired === 'stopped') this.send(notRunHere(spec, Date.now()));
      else {
        const task = newLocalTask(spec);
        const dir = join(this.tasksDir, spec.id);
        mkdirSync(dir, { recursive: true });
        saveTask(dir, task);
        this.runners.set(spec.id, this.runner(spec.id, task));
      }
    }
    for (const id of removed) {
      const r = this.runners.get(id);
      r?.updateSpec({ ...r.task.spec, desired: 'stopped' });
    }
    // Act on the change now; the periodic tick is only the level-triggered backstop. Only the
    // tasks named are ticked: ticking every runner put a new task's file work behind a read of
    // every running container's exit file.
    void this.tickAll(touched).catch((e: unknown) => this.logger.error({ err: String(e) }, 'tick failed'));
  }

  /**
   * Stops (its containers run on); resolves once the service addresses it took on the host are
   * given back and its lease of them let go, within a few seconds at most.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.link.close();
    this.taskEndpoint.close();
    await Promise.race([this.services.close(), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
  }
}
