import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../kernel/logger.js';
import type { TaskSpec } from '../wire/agent-protocol.js';
import { logConfigurationError } from './awslogs-options.js';
import type { ImageStore, PullBehavior, PulledImage } from './images/image-store.js';
import { setUpNetwork, tearDownNetwork, type NetworkConfig } from './runtime/network.js';
import { buildSpec } from './runtime/oci-spec.js';
import { mountRootfs, unmount } from './runtime/rootfs.js';
import { Runtime, runtimeMessage, type ExitStatus } from './runtime/runtime.js';
import { ephemeralDir, mountEphemeral, removeEphemeral } from './runtime/ephemeral.js';
import { containerCgroup, createTaskCgroup, removeTaskCgroup } from './runtime/task-cgroup.js';
import { resolveUser } from './runtime/users.js';
import { containerBinds } from './runtime/volumes.js';
import { checkHealth } from './health-check.js';
import { dependsOnMet, stoppable } from './depends-on.js';
import { etcBinds, portBindings, writeEtcFiles } from './task-setup.js';
import { saveTask, toReport, type ContainerState, type LocalTask } from './task-state.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- container definitions are the registered JSON */
type Json = Record<string, any>;

export interface RunnerDeps {
  images: ImageStore;
  runtime: Runtime;
  pullBehavior: PullBehavior;
  network: NetworkConfig;
  /** Where shared Docker volumes (scope `shared`) live across tasks. */
  volumesDir: string;
  logger: Logger;
  report: (t: LocalTask) => void;
  /** Ships the task's awslogs output (all of it when `final`); true once it is stored. */
  drainLogs: (t: LocalTask, final?: boolean) => Promise<boolean>;
  now: () => number;
}

const isEssential = (c: Json) => c.essential !== false;

// ECS's words for a container the kernel killed at its memory limit.
export const OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';

/**
 * One task on this host, advanced by `tick()` toward what the control plane wants: pull, network,
 * containers in dependsOn order, then watch for exits; on a stop (desired, or an essential
 * container exiting) SIGTERM, SIGKILL after stopTimeout, then clean up everything but the logs.
 * Every tick re-reads the world (exit files, runc state); nothing depends on a missed event.
 */
export class TaskRunner {
  private busy = false;
  private images = new Map<string, PulledImage>();
  /** When each container was sent SIGTERM, for its stopTimeout. */
  private readonly termSentAt = new Map<string, number>();

  constructor(
    readonly dir: string,
    public task: LocalTask,
    private readonly deps: RunnerDeps,
  ) {}

  private get containers(): Json[] {
    return this.task.spec.containers as Json[];
  }

  private id(name: string): string {
    return `${this.task.spec.taskId}-${name}`;
  }
  private cdir(name: string): string {
    return join(this.dir, 'containers', name);
  }
  /**
   * Where a task's writes go: a container's upper and work directories and the task volumes; on
   * Fargate inside the task's ephemeral storage, so they are held to its size.
   */
  private get writableRoot(): string {
    return this.task.spec.fargate ? ephemeralDir(this.dir) : this.dir;
  }
  private layer(name: string, which: 'upper' | 'work'): string {
    return this.task.spec.fargate ? join(this.writableRoot, 'containers', name, which) : join(this.cdir(name), which);
  }

  updateSpec(spec: TaskSpec): void {
    this.task.spec = {
      ...this.task.spec,
      desiredStatus: spec.desiredStatus,
      ...(spec.stopGraceMs !== undefined ? { stopGraceMs: spec.stopGraceMs } : {}),
    };
  }

  async tick(): Promise<void> {
    if (this.busy || this.task.cleanedUp) return;
    this.busy = true;
    const before = JSON.stringify(this.task);
    try {
      if (this.task.lastStatus === 'STOPPED') await this.cleanUp();
      else if (this.task.spec.desiredStatus === 'STOPPED' || this.task.stoppingAt !== undefined) await this.stopping();
      else if (this.task.lastStatus === 'PROVISIONING') await this.provision();
      else await this.watch();
    } catch (e) {
      this.deps.logger.error({ task: this.task.spec.taskId, err: String(e) }, 'task step failed');
    } finally {
      this.busy = false;
      if (JSON.stringify(this.task) !== before) {
        await saveTask(this.dir, this.task);
        this.deps.report(this.task);
      }
    }
  }

  private fail(reason: string): void {
    const t = this.deps.now();
    this.task.stopCode = 'TaskFailedToStart';
    this.task.stoppedReason = reason;
    this.task.stoppingAt = t;
  }

  private async provision(): Promise<void> {
    const t = this.task;
    t.lastStatus = 'PENDING';
    t.pullStartedAt = this.deps.now();
    this.deps.report(t);
    // Images and the network are independent: prepare them side by side.
    const pulled = (async () => {
      const images = [...new Set(this.containers.map((c) => String(c.image)))];
      const got = await Promise.all(images.map((i) => this.deps.images.pull(i, this.deps.pullBehavior)));
      images.forEach((i, n) => this.images.set(i, got[n] as PulledImage));
      for (const c of this.containers) {
        (t.containers[c.name] as { imageDigest?: string }).imageDigest = this.images.get(c.image)?.digest;
      }
    })();
    const networked = (async () => {
      // A Fargate task's sandbox: its own cgroup, held to the task's CPU and memory, and its own
      // ephemeral storage of the task's size.
      if (t.spec.fargate) {
        await createTaskCgroup(t.spec.taskId, t.spec.cpu, t.spec.memory);
        await mountEphemeral(this.dir, t.spec.fargate.ephemeralStorageGiB);
      }
      t.bindings = await portBindings(t.spec);
      t.network = await setUpNetwork(this.deps.network, t.spec.taskId, t.spec.networkMode, t.bindings);
      await writeEtcFiles(this.dir, t.spec, t.network?.ip);
    })();
    const [pull, net] = await Promise.allSettled([pulled, networked]);
    t.pullStoppedAt = this.deps.now();
    if (pull.status === 'rejected') return this.fail(`CannotPullContainerError: ${(pull.reason as Error).message}`);
    if (net.status === 'rejected') return this.fail(`CannotCreateContainerError: ${(net.reason as Error).message}`);
    const logOptions = logConfigurationError(this.containers);
    if (logOptions) return this.fail(`CannotCreateContainerError: ${logOptions}`);
    t.lastStatus = 'ACTIVATING';
    await this.startReady();
    await this.watch(); // report RUNNING now rather than at the next tick
  }

  /** Starts every pending container whose dependencies hold, side by side. */
  private async startReady(): Promise<void> {
    const ready = this.containers.filter(
      (c) => this.task.containers[c.name]?.lastStatus === 'PENDING' && dependsOnMet(c, this.task),
    );
    const failures = await Promise.all(
      ready.map((c) =>
        this.startContainer(c).then(
          () => undefined,
          (e: unknown) => {
            const st = this.task.containers[c.name];
            if (st) {
              st.lastStatus = 'STOPPED';
              st.reason = `CannotStartContainerError: ${runtimeMessage((e as Error).message)}`;
            }
            return isEssential(c) ? st?.reason : undefined;
          },
        ),
      ),
    );
    const essential = failures.find((f) => f !== undefined);
    if (essential && this.task.stoppingAt === undefined) this.fail(essential);
  }

  private async startContainer(def: Json): Promise<void> {
    // On Fargate a container without its own limit is held to the task's memory (its OOM kill is
    // then its own, and reported as such).
    const fargate = this.task.spec.fargate !== undefined;
    const c = fargate && !def.memory ? { ...def, memory: this.task.spec.memory } : def;
    const image = this.images.get(c.image) ?? (await this.deps.images.pull(c.image, 'prefer-cached'));
    const d = this.cdir(c.name);
    const rootfs = join(d, 'bundle', 'rootfs');
    const binds = containerBinds(c, this.containers, this.task.spec.volumes, {
      taskDir: this.writableRoot,
      sharedDir: this.deps.volumesDir,
    });
    for (const b of binds) if (!existsSync(b.source)) await mkdir(b.source, { recursive: true });
    await mountRootfs(image.layers, this.layer(c.name, 'upper'), this.layer(c.name, 'work'), rootfs);
    const spec = buildSpec({
      container: c,
      image: image.config,
      user: resolveUser(rootfs, c.user ?? image.config.User),
      hostname: c.hostname ?? this.task.spec.taskId.slice(0, 12),
      ...(this.task.network?.netnsPath ? { netnsPath: this.task.network.netnsPath } : {}),
      networkMode: this.task.spec.networkMode,
      cgroupsPath: fargate ? containerCgroup(this.task.spec.taskId, c.name) : `/berth/${this.id(c.name)}`,
      etcFiles: etcBinds(this.dir),
      binds,
    });
    await writeFile(join(d, 'bundle', 'config.json'), JSON.stringify(spec));
    const st = this.task.containers[c.name];
    if (!st) return;
    await this.deps.runtime.start(this.id(c.name), join(d, 'bundle'), d);
    st.lastStatus = 'RUNNING';
    st.startedAt = this.deps.now();
  }

  /** A container's exit as ECS reports it: the code, and OOM kills named as such. */
  private recordExit(st: ContainerState, exit: ExitStatus): void {
    st.lastStatus = 'STOPPED';
    st.exitCode = exit.code;
    if (exit.oomKilled) st.reason = OOM_REASON;
  }

  /** Running: record exits, start what has become ready, notice when the task is up or must stop. */
  private async watch(): Promise<void> {
    const t = this.task;
    for (const c of this.containers) {
      const st = t.containers[c.name];
      if (st?.lastStatus !== 'RUNNING') continue;
      const exit = await Runtime.exitStatus(this.cdir(c.name));
      if (exit === undefined) continue;
      this.recordExit(st, exit);
      if (isEssential(c) && t.stoppingAt === undefined) {
        t.stopCode = 'EssentialContainerExited';
        t.stoppedReason = 'Essential container in task exited';
        t.stoppingAt = this.deps.now();
      }
    }
    await this.checkHealth();
    await this.startReady();
    const essentials = this.containers.filter(isEssential).map((c) => t.containers[c.name]);
    if (t.lastStatus !== 'RUNNING' && essentials.every((c) => c?.lastStatus === 'RUNNING')) {
      t.lastStatus = 'RUNNING';
      t.startedAt = this.deps.now();
    }
  }

  private async checkHealth(): Promise<void> {
    await checkHealth(this.containers, this.task, this.deps.now(), (name, args, timeoutMs) =>
      this.deps.runtime.exec(this.id(name), args, timeoutMs),
    );
  }

  /** Stops running containers in reverse dependsOn order: SIGTERM, then SIGKILL after each one's stopTimeout. */
  private async stopping(): Promise<void> {
    const t = this.task;
    t.stoppingAt ??= this.deps.now();
    const running = new Set<string>();
    for (const c of this.containers) {
      const st = t.containers[c.name];
      if (st?.lastStatus !== 'RUNNING') continue;
      const exit = await Runtime.exitStatus(this.cdir(c.name));
      if (exit) this.recordExit(st, exit);
      else running.add(c.name);
    }
    if (running.size > 0) {
      const now = this.deps.now();
      for (const name of stoppable(this.containers, running)) {
        const c = this.containers.find((x) => x.name === name) as Json;
        const sent = this.termSentAt.get(name);
        if (sent === undefined) {
          this.termSentAt.set(name, now);
          await this.deps.runtime.kill(this.id(name), 'TERM');
        } else if (now - sent >= (t.spec.stopGraceMs ?? ((c.stopTimeout as number | undefined) ?? 30) * 1000)) {
          await this.deps.runtime.kill(this.id(name), 'KILL');
        }
      }
      return;
    }
    // The last lines a container wrote reach CloudWatch Logs before the task is reported STOPPED.
    if (!(await this.deps.drainLogs(t, true))) return;
    for (const st of Object.values(t.containers)) if (st.lastStatus === 'PENDING') st.lastStatus = 'STOPPED';
    t.lastStatus = 'STOPPED';
    t.stoppedAt = this.deps.now();
  }

  /** Removes what the task held on the host: runc state, mounts, network; the logs stay. */
  private async cleanUp(): Promise<void> {
    for (const c of this.containers) {
      await this.deps.runtime.delete(this.id(c.name));
      const d = this.cdir(c.name);
      await unmount(join(d, 'bundle', 'rootfs'));
      await rm(join(d, 'bundle'), { recursive: true, force: true });
      await rm(this.layer(c.name, 'upper'), { recursive: true, force: true });
      await rm(this.layer(c.name, 'work'), { recursive: true, force: true });
    }
    await tearDownNetwork(this.deps.network, this.task.spec.taskId, this.task.spec.networkMode, this.task.bindings);
    if (this.task.spec.fargate) {
      await removeTaskCgroup(this.task.spec.taskId);
      await removeEphemeral(this.dir);
    }
    await rm(join(this.dir, 'volumes'), { recursive: true, force: true });
    this.task.cleanedUp = true;
  }

  report() {
    return toReport(this.task);
  }
}
