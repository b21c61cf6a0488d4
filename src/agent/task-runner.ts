import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../kernel/logger.js';
import type { TaskSpec } from '../wire/agent-protocol.js';
import type { ImageStore, PulledImage } from './images/image-store.js';
import {
  freeHostPort,
  setUpNetwork,
  tearDownNetwork,
  type NetworkConfig,
  type PortBinding,
} from './runtime/network.js';
import { buildSpec } from './runtime/oci-spec.js';
import { mountRootfs, unmount } from './runtime/rootfs.js';
import { Runc } from './runtime/runc.js';
import { resolveUser } from './runtime/users.js';
import { saveTask, toReport, type LocalTask } from './task-state.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- container definitions are the registered JSON */
type Json = Record<string, any>;

export interface RunnerDeps {
  images: ImageStore;
  runc: Runc;
  network: NetworkConfig;
  logger: Logger;
  report: (t: LocalTask) => void;
  now: () => number;
}

const isEssential = (c: Json) => c.essential !== false;

/**
 * One task on this host, advanced by `tick()` toward what the control plane wants: pull, network,
 * containers in dependsOn order, then watch for exits; on a stop (desired, or an essential
 * container exiting) SIGTERM, SIGKILL after stopTimeout, then clean up everything but the logs.
 * Every tick re-reads the world (exit files, runc state); nothing depends on a missed event.
 */
export class TaskRunner {
  private busy = false;
  private images = new Map<string, PulledImage>();
  private termSentAt?: number;

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

  updateSpec(spec: TaskSpec): void {
    this.task.spec = { ...this.task.spec, desiredStatus: spec.desiredStatus };
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
    try {
      for (const c of this.containers) {
        if (!this.images.has(c.image)) this.images.set(c.image, await this.deps.images.pull(c.image));
        (t.containers[c.name] as { imageDigest?: string }).imageDigest = this.images.get(c.image)?.digest;
      }
    } catch (e) {
      t.pullStoppedAt = this.deps.now();
      return this.fail(`CannotPullContainerError: ${(e as Error).message}`);
    }
    t.pullStoppedAt = this.deps.now();
    try {
      t.bindings = await this.bindings();
      t.network = await setUpNetwork(this.deps.network, t.spec.taskId, t.spec.networkMode, t.bindings);
      await this.writeEtcFiles();
    } catch (e) {
      return this.fail(`CannotCreateContainerError: ${(e as Error).message}`);
    }
    t.lastStatus = 'ACTIVATING';
    await this.startReady();
    await this.watch(); // report RUNNING now rather than at the next tick
  }

  private async bindings(): Promise<PortBinding[]> {
    const out: PortBinding[] = [];
    for (const c of this.containers) {
      for (const pm of (c.portMappings ?? []) as Json[]) {
        if (pm.containerPort === undefined) continue;
        const hostPort =
          this.task.spec.networkMode === 'bridge' ? pm.hostPort || (await freeHostPort()) : pm.containerPort;
        out.push({ containerPort: pm.containerPort, hostPort, protocol: pm.protocol ?? 'tcp' });
      }
    }
    return out;
  }

  private async writeEtcFiles(): Promise<void> {
    const etc = join(this.dir, 'etc');
    await mkdir(etc, { recursive: true });
    const hostname = this.task.spec.taskId.slice(0, 12);
    const extra = this.containers.flatMap((c) =>
      ((c.extraHosts ?? []) as Json[]).map((h) => `${h.ipAddress}\t${h.hostname}`),
    );
    await writeFile(
      join(etc, 'hosts'),
      [
        `127.0.0.1\tlocalhost`,
        `::1\tlocalhost ip6-localhost`,
        `${this.task.network?.ip ?? '127.0.1.1'}\t${hostname}`,
        ...extra,
        '',
      ].join('\n'),
    );
    await writeFile(join(etc, 'hostname'), `${hostname}\n`);
    await writeFile(join(etc, 'resolv.conf'), 'nameserver 127.0.0.53\noptions ndots:0\n');
  }

  /** Whether a container's dependsOn conditions hold now. */
  private ready(c: Json): boolean {
    return ((c.dependsOn ?? []) as Json[]).every((d) => {
      const dep = this.task.containers[d.containerName];
      if (!dep) return false;
      switch (d.condition) {
        case 'COMPLETE':
          return dep.lastStatus === 'STOPPED';
        case 'SUCCESS':
          return dep.lastStatus === 'STOPPED' && dep.exitCode === 0;
        case 'HEALTHY':
          return dep.healthStatus === 'HEALTHY';
        default:
          return dep.lastStatus !== 'PENDING';
      }
    });
  }

  private async startReady(): Promise<void> {
    for (const c of this.containers) {
      const st = this.task.containers[c.name];
      if (!st || st.lastStatus !== 'PENDING' || !this.ready(c)) continue;
      try {
        await this.startContainer(c);
      } catch (e) {
        st.lastStatus = 'STOPPED';
        st.reason = `CannotStartContainerError: ${(e as Error).message}`;
        if (isEssential(c)) return this.fail(st.reason);
      }
    }
  }

  private async startContainer(c: Json): Promise<void> {
    const image = this.images.get(c.image) ?? (await this.deps.images.pull(c.image, 'prefer-cached'));
    const d = this.cdir(c.name);
    const rootfs = join(d, 'bundle', 'rootfs');
    await mountRootfs(image.layers, join(d, 'upper'), join(d, 'work'), rootfs);
    const etc = join(this.dir, 'etc');
    const spec = buildSpec({
      container: c,
      image: image.config,
      user: resolveUser(rootfs, c.user ?? image.config.User),
      hostname: c.hostname ?? this.task.spec.taskId.slice(0, 12),
      ...(this.task.network?.netnsPath ? { netnsPath: this.task.network.netnsPath } : {}),
      networkMode: this.task.spec.networkMode,
      cgroupsPath: `/berth/${this.id(c.name)}`,
      etcFiles: ['hosts', 'hostname', 'resolv.conf'].map((f) => ({ path: `/etc/${f}`, source: join(etc, f) })),
      binds: [],
    });
    await writeFile(join(d, 'bundle', 'config.json'), JSON.stringify(spec));
    const st = this.task.containers[c.name];
    if (!st) return;
    this.deps.runc.start(this.id(c.name), join(d, 'bundle'), {
      stdout: join(d, 'stdout.log'),
      stderr: join(d, 'stderr.log'),
      exit: join(d, 'exit'),
    });
    st.lastStatus = 'RUNNING';
    st.startedAt = this.deps.now();
  }

  /** Running: record exits, start what has become ready, notice when the task is up or must stop. */
  private async watch(): Promise<void> {
    const t = this.task;
    for (const c of this.containers) {
      const st = t.containers[c.name];
      if (st?.lastStatus !== 'RUNNING') continue;
      const code = await Runc.exitCode(join(this.cdir(c.name), 'exit'));
      if (code === undefined) continue;
      st.lastStatus = 'STOPPED';
      st.exitCode = code;
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

  /**
   * healthCheck as ECS runs it: the command inside the container every `interval` seconds, a
   * failure when it exits non-zero or outlives `timeout`; UNHEALTHY after `retries` failures in a
   * row, failures inside `startPeriod` not counting; one success makes it HEALTHY again.
   */
  private async checkHealth(): Promise<void> {
    const now = this.deps.now();
    for (const c of this.containers) {
      const hc = c.healthCheck as Json | undefined;
      const st = this.task.containers[c.name];
      if (!hc || st?.lastStatus !== 'RUNNING') continue;
      st.healthStatus ??= 'UNKNOWN';
      if (st.nextHealthAt !== undefined && now < st.nextHealthAt) continue;
      st.nextHealthAt = now + (hc.interval ?? 30) * 1000;
      const cmd = (hc.command ?? []) as string[];
      const args =
        cmd[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', cmd.slice(1).join(' ')] : cmd[0] === 'CMD' ? cmd.slice(1) : cmd;
      if (args.length === 0) continue;
      const code = await this.deps.runc.exec(this.id(c.name), args, (hc.timeout ?? 5) * 1000);
      if (code === 0) {
        st.healthStatus = 'HEALTHY';
        st.healthFailures = 0;
        continue;
      }
      const inGrace = st.startedAt !== undefined && now - st.startedAt < (hc.startPeriod ?? 0) * 1000;
      if (inGrace) continue;
      st.healthFailures = (st.healthFailures ?? 0) + 1;
      if (st.healthFailures >= (hc.retries ?? 3)) st.healthStatus = 'UNHEALTHY';
    }
  }

  private async stopping(): Promise<void> {
    const t = this.task;
    t.stoppingAt ??= this.deps.now();
    const running = this.containers.filter((c) => t.containers[c.name]?.lastStatus === 'RUNNING');
    for (const c of running) {
      const code = await Runc.exitCode(join(this.cdir(c.name), 'exit'));
      const st = t.containers[c.name];
      if (code !== undefined && st) {
        st.lastStatus = 'STOPPED';
        st.exitCode = code;
      }
    }
    const still = running.filter((c) => t.containers[c.name]?.lastStatus === 'RUNNING');
    if (still.length > 0) {
      const timeout = Math.max(...still.map((c) => (c.stopTimeout ?? 30) as number)) * 1000;
      if (this.termSentAt === undefined) {
        this.termSentAt = this.deps.now();
        await Promise.all(still.map((c) => this.deps.runc.kill(this.id(c.name), 'TERM')));
      } else if (this.deps.now() - this.termSentAt >= timeout) {
        await Promise.all(still.map((c) => this.deps.runc.kill(this.id(c.name), 'KILL')));
      }
      return;
    }
    for (const st of Object.values(t.containers)) if (st.lastStatus === 'PENDING') st.lastStatus = 'STOPPED';
    t.lastStatus = 'STOPPED';
    t.stoppedAt = this.deps.now();
  }

  /** Removes what the task held on the host: runc state, mounts, network; the logs stay. */
  private async cleanUp(): Promise<void> {
    for (const c of this.containers) {
      await this.deps.runc.delete(this.id(c.name));
      const d = this.cdir(c.name);
      await unmount(join(d, 'bundle', 'rootfs'));
      await rm(join(d, 'bundle'), { recursive: true, force: true });
      await rm(join(d, 'upper'), { recursive: true, force: true });
      await rm(join(d, 'work'), { recursive: true, force: true });
    }
    await tearDownNetwork(this.deps.network, this.task.spec.taskId, this.task.spec.networkMode, this.task.bindings);
    this.task.cleanedUp = true;
  }

  report() {
    return toReport(this.task);
  }
}
