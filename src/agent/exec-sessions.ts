import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../kernel/index.js';
import { base64Pieces, type ExecExit, type ExecInput, type ExecOutput, type ExecStart } from '../wire/index.js';
import type { ExecProcess } from './runtime/exec-process.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import type { LocalTask } from './task-state.js';

export interface ExecSessionsDeps {
  runtime: Pick<ContainerRuntime, 'openExec' | 'openAttach'>;
  /** Connects to a port of a workload's network (port-connection.ts; a twin in tests). */
  connect(host: string, port: number): Promise<ExecProcess>;
  /** Where the workloads' directories are (`<id>/containers/<name>/bundle/config.json`). */
  tasksDir: string;
  /** A workload this host runs, by id. */
  task(id: string): LocalTask | undefined;
  send(m: ExecOutput | ExecExit): boolean;
  logger: Logger;
}

/**
 * The commands the control plane runs in this host's containers (kubectl exec), by session id.
 * A command runs as the container's own process does (its environment, user, working directory,
 * capabilities: the process of its bundle's config.json) with the arguments asked for.
 */
export class ExecSessions {
  private readonly live = new Map<string, ExecProcess>();
  /** Input for sessions still starting (a client writes as soon as its stream is open), in order. */
  private readonly starting = new Map<string, ExecInput[]>();

  constructor(private readonly deps: ExecSessionsDeps) {}

  async start(m: ExecStart): Promise<void> {
    if (this.live.has(m.sessionId) || this.starting.has(m.sessionId)) return;
    this.starting.set(m.sessionId, []);
    try {
      await this.open(m);
    } finally {
      const early = this.starting.get(m.sessionId) ?? [];
      this.starting.delete(m.sessionId);
      for (const i of early) this.input(i);
    }
  }

  private async open(m: ExecStart): Promise<void> {
    const fail = (error: string) => void this.deps.send({ type: 'exec-exit', sessionId: m.sessionId, error });
    const task = this.deps.task(m.taskId);
    if (m.port !== undefined) {
      if (!task || task.phase !== 'running') return fail('the pod is not running here');
      // A workload with its own network answers on its address; one on the host's, on loopback.
      const host = task.network?.ip ?? '127.0.0.1';
      try {
        return this.attach(m, await this.deps.connect(host, m.port));
      } catch (e) {
        return fail(`failed to connect to ${host}:${m.port} in the pod's network: ${(e as Error).message}`);
      }
    }
    const c = task && Object.hasOwn(task.containers, m.container) ? task.containers[m.container] : undefined;
    if (!task || !c) return fail(`container not found ("${m.container}")`);
    if (c.state !== 'running') return fail(`container ${m.container} is not running`);
    if (m.attach) {
      try {
        return this.attach(m, await this.deps.runtime.openAttach(c.runtimeId, m.tty));
      } catch (e) {
        return fail(`failed to attach to container ${m.container}: ${(e as Error).message}`);
      }
    }
    if (m.command.length === 0) return fail('no command given');
    const dir = join(this.deps.tasksDir, m.taskId, 'containers', m.container);
    let own: Record<string, unknown>;
    try {
      const config = JSON.parse(await readFile(join(dir, 'bundle', 'config.json'), 'utf8')) as { process?: unknown };
      if (config.process === null || typeof config.process !== 'object') throw new Error('it has no process');
      own = config.process as Record<string, unknown>;
    } catch (e) {
      return fail(`container ${m.container}'s configuration cannot be read: ${(e as Error).message}`);
    }
    const { consoleSize: _size, ...rest } = own;
    const proc = {
      ...rest,
      args: m.command,
      terminal: m.tty,
      ...(m.tty ? { consoleSize: { width: m.size?.width ?? 80, height: m.size?.height ?? 24 } } : {}),
    };
    let p: ExecProcess;
    try {
      p = await this.deps.runtime.openExec(c.runtimeId, proc, join(dir, `exec-${m.sessionId}.json`), m.tty);
    } catch (e) {
      return fail((e as Error).message);
    }
    this.attach(m, p);
  }

  private attach(m: ExecStart, p: ExecProcess): void {
    this.live.set(m.sessionId, p);
    p.onOutput((stream, data) => {
      for (const piece of base64Pieces(data))
        this.deps.send({ type: 'exec-output', sessionId: m.sessionId, stream, data: piece });
    });
    p.onExit((code) => {
      this.live.delete(m.sessionId);
      this.deps.send({ type: 'exec-exit', sessionId: m.sessionId, code });
    });
    // No input coming: the command reads end-of-file at once (a terminal's command waits for keys;
    // an attached process's stdin is its own, not the client's to close).
    if (!m.stdin && !m.tty && !m.attach) p.end();
  }

  input(m: ExecInput): void {
    const early = this.starting.get(m.sessionId);
    // More than a starting command can be owed (16 MiB): the client is hung up on instead.
    if (early) return void early.push(early.length < 256 ? m : { ...m, data: undefined, hangUp: true });
    const p = this.live.get(m.sessionId);
    if (!p) return;
    if (m.data !== undefined) p.write(Buffer.from(m.data, 'base64'));
    if (m.resize) p.resize(m.resize);
    if (m.eof) p.end();
    if (m.hangUp) p.hangUp();
  }

  /** The control plane is gone: nobody reads the commands' output any more. */
  hangUpAll(): void {
    for (const p of this.live.values()) p.hangUp();
    if (this.live.size > 0) this.deps.logger.info({ sessions: this.live.size }, 'exec sessions hung up');
  }
}
