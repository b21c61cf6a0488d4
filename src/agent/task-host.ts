import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ephemeralDir } from './runtime/ephemeral.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import type { TaskPlatform } from './task-platform.js';
import { recoverTask } from './task-recovery.js';
import type { LocalTask } from './task-state.js';

/**
 * What one task holds on this host, and where: its containers' ids and directories, their
 * writable layers, its network and (on Fargate) its cgroup and ephemeral storage; and how each
 * is removed. The logs stay.
 */
export class TaskHost {
  constructor(
    readonly dir: string,
    private readonly task: () => LocalTask,
    private readonly deps: { runtime: ContainerRuntime; platform: TaskPlatform; now: () => number },
  ) {}

  id(name: string): string {
    return `${this.task().spec.id}-${name}`;
  }

  containerDir(name: string): string {
    return join(this.dir, 'containers', name);
  }

  /**
   * Where a task's writes go: a container's upper and work directories and the task volumes; on
   * Fargate inside the task's ephemeral storage, so they are held to its size.
   */
  get writableRoot(): string {
    return this.task().spec.sandbox.isolation ? ephemeralDir(this.dir) : this.dir;
  }

  layer(name: string, which: 'upper' | 'work'): string {
    return this.task().spec.sandbox.isolation
      ? join(this.writableRoot, 'containers', name, which)
      : join(this.containerDir(name), which);
  }

  /** A container's runtime state, root mount, bundle and writable layer. */
  async removeContainer(name: string): Promise<void> {
    await this.deps.runtime.delete(this.id(name));
    const d = this.containerDir(name);
    await this.deps.platform.unmountRoot(join(d, 'bundle', 'rootfs'));
    await rm(join(d, 'bundle'), { recursive: true, force: true });
    await rm(this.layer(name, 'upper'), { recursive: true, force: true });
    await rm(this.layer(name, 'work'), { recursive: true, force: true });
  }

  /** A container that never started, removed with what its monitor left, so that it can be made again. */
  async discardContainer(name: string): Promise<void> {
    await this.removeContainer(name);
    await this.deps.runtime.forgetMonitor(this.containerDir(name));
  }

  /** Everything but the logs: containers, network, cgroup, ephemeral storage, task volumes. */
  async cleanUp(): Promise<void> {
    const t = this.task();
    for (const name of Object.keys(t.containers)) await this.removeContainer(name);
    await this.deps.platform.removeSandbox(t, this.dir);
    await rm(join(this.dir, 'volumes'), { recursive: true, force: true });
    t.cleanedUp = true;
  }

  /** After an agent restart, before the task's first tick: see recoverTask. */
  recover(): Promise<void> {
    return recoverTask(this.task(), {
      status: (name) => this.deps.runtime.status(this.id(name)),
      discard: (name) => this.discardContainer(name),
      tearDownNetwork: () => this.deps.platform.tearDownNetwork(this.task()),
      now: this.deps.now,
    });
  }
}
