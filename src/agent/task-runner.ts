import type { Logger } from '../kernel/index.js';
import type { ContainerFailure, ContainerSpec, Ended, TaskSpec } from '../wire/index.js';
import type { PullBehavior } from './images/image-store.js';
import { imageAuthorization, PullFailure, TaskImages, type ImageSource } from './task-images.js';
import { runtimeMessage, type ContainerRuntime, type ExitStatus } from './runtime/runtime.js';
import type { ImageUsers } from './runtime/users.js';
import { withUpdatedFiles } from './volume-updates.js';
import { networkProber, type NetworkProber } from './net-probes.js';
import { runProbes } from './probes.js';
import { planRestart } from './restarts.js';
import { dependsOnMet, stoppable } from './depends-on.js';
import { TaskHost } from './task-host.js';
import type { TaskPlatform } from './task-platform.js';
import {
  saveTask,
  secretsKnown,
  toReport,
  withSentSecrets,
  type ContainerState,
  type LocalTask,
} from './task-state.js';

export interface RunnerDeps {
  images: ImageSource;
  runtime: ContainerRuntime;
  /** The sandbox, bundles and their removal (hostPlatform: networks, cgroups, mounts). */
  platform: TaskPlatform;
  /** Each image's users, once resolved: what lets a container's root be mounted by the runtime. */
  users: ImageUsers;
  pullBehavior: PullBehavior;
  /** Where shared Docker volumes (scope `shared`) live across tasks. */
  volumesDir: string;
  logger: Logger;
  report: (t: LocalTask) => void;
  /** Ships the task's awslogs output (all of it when `final`); true once it is stored. */
  drainLogs: (t: LocalTask, final?: boolean) => Promise<boolean>;
  now: () => number;
  /** HTTP and TCP probes' sockets (the host's, unless a test gives its own). */
  net?: NetworkProber;
}

// The words ECS reports for a container the kernel killed at its memory limit.

/**
 * One task on this host, advanced by `tick()` toward what the control plane wants: pull, network,
 * containers in their start order, then watch for exits; on a stop (desired, or an essential
 * container exiting) SIGTERM, SIGKILL after the stop timeout, then clean up everything but the logs.
 * Every tick re-reads the world (exit files, runc state); nothing depends on a missed event.
 */
export class TaskRunner {
  private busy = false;
  private readonly images: TaskImages;
  private readonly host: TaskHost;
  /** When each container was sent SIGTERM (a stop, or a failed liveness probe), for its stop timeout. */
  private readonly termSentAt = new Map<string, number>();

  constructor(
    readonly dir: string,
    public task: LocalTask,
    private readonly deps: RunnerDeps,
  ) {
    this.images = new TaskImages(deps.images, deps.pullBehavior, (image) => imageAuthorization(this.containers, image));
    this.host = new TaskHost(dir, () => this.task, deps);
  }

  private get containers(): ContainerSpec[] {
    return this.task.spec.containers;
  }

  /**
   * What may change while a workload runs: whether it is wanted, and a stop grace imposed on it.
   * Secrets' values a restarted agent no longer holds are taken again (the values it holds stay:
   * a workload keeps the secrets it started with).
   */
  updateSpec(spec: TaskSpec): void {
    const grace = spec.sandbox.stopGraceMs;
    this.task.spec = {
      ...this.task.spec,
      desired: spec.desired,
      sandbox: {
        ...this.task.spec.sandbox,
        volumes: withUpdatedFiles(
          this.task.spec.sandbox.volumes,
          spec.sandbox.volumes,
          { taskDir: this.host.writableRoot, sharedDir: this.deps.volumesDir },
          (volume, err) => this.deps.logger.warn({ task: this.task.spec.id, volume, err }, 'volume not updated'),
        ),
        ...(grace !== undefined ? { stopGraceMs: grace } : {}),
      },
      containers: withSentSecrets(this.task.spec, spec),
    };
  }

  async tick(): Promise<void> {
    if (this.busy || this.task.cleanedUp) return;
    this.busy = true;
    const before = JSON.stringify(this.task);
    try {
      if (this.task.phase === 'stopped') await this.host.cleanUp();
      else if (this.task.spec.desired === 'stopped' || this.task.stoppingAt !== undefined) await this.stopping();
      else if (this.task.phase === 'preparing') await this.provision();
      else await this.watch();
    } catch (e) {
      this.deps.logger.error({ task: this.task.spec.id, err: String(e) }, 'task step failed');
    } finally {
      this.busy = false;
      if (JSON.stringify(this.task) !== before) {
        // Told first: what is reported can be had again from the containers after a restart.
        this.deps.report(this.task);
        saveTask(this.dir, this.task);
      }
    }
  }

  /** The workload failed to start: it stops, saying why. */
  private fail(why: Ended): void {
    this.task.ended = why;
    this.task.stoppingAt = this.deps.now();
  }

  private async provision(): Promise<void> {
    const t = this.task;
    t.phase = 'pulling';
    t.pullStartedAt = this.deps.now();
    this.deps.report(t);
    // What the workload needs before a pull could not be had: nothing is pulled.
    if (t.spec.cannotPull) return this.fail({ cause: 'refused', message: t.spec.cannotPull });
    // Images and the network are independent: prepare them side by side.
    const pulled = this.images.begin([...new Set(this.containers.map((c) => c.image))], (failed) => {
      t.pullStoppedAt = this.deps.now();
      if (failed) return;
      for (const c of this.containers) {
        (t.containers[c.name] as { imageDigest?: string }).imageDigest = this.images.digestOf(c.image);
      }
    });
    const networked = this.deps.platform.prepareSandbox(t, this.dir);
    const [pull, net] = await Promise.allSettled([pulled, networked]);
    if (pull.status === 'rejected') {
      return this.fail({ cause: 'image-pull', message: (pull.reason as Error).message });
    }
    if (net.status === 'rejected') return this.fail({ cause: 'sandbox', message: (net.reason as Error).message });
    // What the face already knew cannot start (awslogs options Docker would refuse, volumes berth
    // does not serve), in the face's own words.
    if (t.spec.cannotStart) return this.fail({ cause: 'refused', message: t.spec.cannotStart });
    t.phase = 'starting';
    // Saved before any container is made: an agent restarted after a start then knows the task's
    // network, and adopts the container (recoverTask).
    try {
      saveTask(this.dir, t);
    } catch (e) {
      this.deps.logger.warn({ task: t.spec.id, err: String(e) }, 'saving the task failed');
    }
    await this.startReady();
    await this.watch(); // report RUNNING now rather than at the next tick
  }

  /** Starts every pending container whose start conditions hold (and back-off, if restarting, has passed), side by side. */
  private async startReady(): Promise<void> {
    const now = this.deps.now();
    const ready = this.containers.filter((c) => {
      const st = this.task.containers[c.name];
      return (
        st?.state === 'waiting' &&
        (st.restartAt ?? 0) <= now &&
        dependsOnMet(c, this.task) &&
        // After an agent restart, a container waits for its secrets to be sent again.
        secretsKnown(c)
      );
    });
    const failures = await Promise.all(
      ready.map((c) =>
        this.startContainer(c).then(
          () => undefined,
          (e: unknown) => {
            const st = this.task.containers[c.name];
            const failure: ContainerFailure =
              e instanceof PullFailure
                ? { cause: 'image-pull', message: e.message }
                : { cause: 'container-start', message: runtimeMessage((e as Error).message) };
            if (st) {
              st.state = 'exited';
              st.failure = failure;
            }
            return c.essential ? failure : undefined;
          },
        ),
      ),
    );
    const essential = failures.find((f) => f !== undefined);
    if (essential && this.task.stoppingAt === undefined)
      this.fail({
        cause: essential.cause === 'image-pull' ? 'image-pull' : 'container-start',
        message: essential.message,
      });
  }

  private async startContainer(c: ContainerSpec): Promise<void> {
    const restarting = this.task.containers[c.name]?.restartAt !== undefined;
    // A container started again is made afresh: the old one, its monitor's files and its layer go.
    if (restarting) await this.host.discardContainer(c.name);
    const image = await this.images.get(c.image);
    const d = this.host.containerDir(c.name);
    const bundle = await this.deps.platform.writeBundle({
      container: c,
      task: this.task,
      image,
      taskDir: this.dir,
      writableRoot: this.host.writableRoot,
      dir: d,
      upper: this.host.layer(c.name, 'upper'),
      work: this.host.layer(c.name, 'work'),
      cgroupsPath: this.deps.platform.cgroupOf(this.task, c.name, this.host.id(c.name)),
      runtimeMountsRoot: this.deps.runtime.mountsRootOverlay,
      users: this.deps.users,
      volumesDir: this.deps.volumesDir,
    });
    const st = this.task.containers[c.name];
    if (!st) return;
    const created = this.deps.runtime.create(this.host.id(c.name), bundle, d, c.stdio);
    this.images.kick();
    await created;
    if (!(await this.images.confirm(c.image, image))) {
      // The tag moved while the registry was asked: the container is made again from the new image.
      await this.host.discardContainer(c.name);
      return this.startContainer(c);
    }
    await this.deps.runtime.start(this.host.id(c.name));
    st.state = 'running';
    st.startedAt = this.deps.now();
    delete st.restartAt;
    delete st.exitCode;
    delete st.probes;
    if (c.probes.readiness) st.ready = false;
  }

  /** A container's exit: the code, and an out-of-memory kill named as such. */
  private recordExit(st: ContainerState, exit: ExitStatus): void {
    st.state = 'exited';
    st.exitCode = exit.code;
    if (exit.oomKilled) st.failure = { cause: 'oom-killed' };
  }

  /** Running: record exits, start what has become ready, notice when the task is up or must stop. */
  private async watch(): Promise<void> {
    const t = this.task;
    for (const c of this.containers) {
      const st = t.containers[c.name];
      if (st?.state !== 'running') continue;
      const exit = await this.deps.runtime.exitStatus(this.host.containerDir(c.name));
      if (exit === undefined) continue;
      this.recordExit(st, exit);
      if (planRestart(c, st, t, exit.code, this.deps.now())) {
        this.termSentAt.delete(c.name);
        continue;
      }
      if (c.essential && t.stoppingAt === undefined) {
        t.ended = { cause: 'essential-exited' };
        t.stoppingAt = this.deps.now();
      }
    }
    await this.probe();
    await this.startReady();
    const essentials = this.containers.filter((c) => c.essential).map((c) => t.containers[c.name]);
    if (t.phase !== 'running' && essentials.every((c) => c?.state === 'running')) {
      t.phase = 'running';
      t.startedAt = this.deps.now();
    }
  }

  /**
   * Runs the containers' probes; one that failed its liveness probe is stopped (SIGTERM, SIGKILL
   * after its stop timeout) and, by its restart policy, started again.
   */
  private async probe(): Promise<void> {
    const now = this.deps.now();
    const { notLive } = await runProbes(this.containers, this.task, now, {
      exec: (name, args, timeoutMs) => this.deps.runtime.exec(this.host.id(name), args, timeoutMs),
      net: this.deps.net ?? networkProber,
    });
    for (const name of notLive) {
      if (this.termSentAt.has(name)) continue;
      this.termSentAt.set(name, now);
      await this.deps.runtime.kill(this.host.id(name), 'TERM');
    }
    for (const [name, sent] of this.termSentAt) {
      const c = this.containers.find((x) => x.name === name);
      if (c && this.task.containers[name]?.state === 'running' && now - sent >= c.stop.timeoutMs) {
        await this.deps.runtime.kill(this.host.id(name), 'KILL');
      }
    }
  }

  /** Stops running containers in reverse start order: SIGTERM, then SIGKILL after each one's stop timeout. */
  private async stopping(): Promise<void> {
    const t = this.task;
    t.stoppingAt ??= this.deps.now();
    const running = new Set<string>();
    for (const c of this.containers) {
      const st = t.containers[c.name];
      if (st?.state !== 'running') continue;
      const exit = await this.deps.runtime.exitStatus(this.host.containerDir(c.name));
      if (exit) this.recordExit(st, exit);
      else running.add(c.name);
    }
    if (running.size > 0) {
      const now = this.deps.now();
      for (const name of stoppable(this.containers, running)) {
        const c = this.containers.find((x) => x.name === name) as ContainerSpec;
        const sent = this.termSentAt.get(name);
        if (sent === undefined) {
          this.termSentAt.set(name, now);
          await this.deps.runtime.kill(this.host.id(name), 'TERM');
        } else if (now - sent >= (t.spec.sandbox.stopGraceMs ?? c.stop.timeoutMs)) {
          await this.deps.runtime.kill(this.host.id(name), 'KILL');
        }
      }
      return;
    }
    // The last lines a container wrote reach CloudWatch Logs before the task is reported STOPPED.
    if (!(await this.deps.drainLogs(t, true))) return;
    for (const st of Object.values(t.containers)) if (st.state === 'waiting') st.state = 'exited';
    t.phase = 'stopped';
    t.stoppedAt = this.deps.now();
  }

  /** After an agent restart, before the first tick: see recoverTask. */
  recover(): Promise<void> {
    return this.host.recover();
  }

  report() {
    return toReport(this.task);
  }
}
