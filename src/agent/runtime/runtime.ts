import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { processAlive } from '../../kernel/index.js';
import type { ContainerSpec } from '../../wire/index.js';
import { startThroughFifo } from './exec-fifo.js';
import { run } from './exec.js';
import { openAttach } from './attach.js';
import { spawnExec, type ExecProcess } from './exec-process.js';
import { awaitCreated, spawnConmon, type MonitorPaths } from './conmon.js';
import { WarmMonitors } from './warm-monitors.js';

/** A container's stdin and terminal, held by its monitor for attached clients. */
export type Stdio = NonNullable<ContainerSpec['stdio']>;

export interface RuntimeOptions {
  /** The OCI runtime binary: `runc` by default, `crun` where the host's cgroup layout allows it. */
  binary: string;
  /** The runtime's state directory (`--root`). */
  root: string;
  /** Where conmon puts its attach sockets (kept short: a socket path has a 108-byte limit). */
  socketDir: string;
  /** Bytes a container's log may reach before conmon truncates it. */
  logSizeMax: number;
  /** Monitors kept started ahead of need, and their directory (see WarmMonitors); none by default. */
  warm?: { size: number; dir: string };
}

/** A binary's absolute path (conmon wants one for the runtime), or undefined when it is not installed. */
export function findBinary(name: string): string | undefined {
  if (isAbsolute(name)) return existsSync(name) ? name : undefined;
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin'];
  return dirs
    .filter(Boolean)
    .map((d) => join(d, name))
    .find((p) => existsSync(p));
}

/** What a container left behind when it exited. */
export interface ExitStatus {
  code: number;
  oomKilled: boolean;
}

/** The files conmon keeps for one container, all inside the container's directory. */
export const containerFiles = (dir: string) => ({
  log: join(dir, 'container.log'),
  exit: join(dir, 'exit'),
  oom: join(dir, 'oom'),
});

/**
 * The OCI runtime as the task runner uses it: containers by id, each with a directory where its
 * monitor records the exit. `Runtime` is runc (or crun) under conmon; unit tests use a twin.
 */
export interface ContainerRuntime {
  /** Whether the runtime mounts a container's overlay root itself (else the agent mounts it). */
  readonly mountsRootOverlay: boolean;
  create(id: string, bundle: string, dir: string, stdio?: Stdio): Promise<void>;
  start(id: string): Promise<void>;
  kill(id: string, signal: 'TERM' | 'KILL' | string): Promise<void>;
  /** The runtime's state of a container (`created`, `running`, `stopped`), or undefined for none. */
  status(id: string): Promise<string | undefined>;
  delete(id: string): Promise<void>;
  /** Runs a command in a running container; resolves with its exit code. */
  exec(id: string, args: string[], timeoutMs: number): Promise<number>;
  /**
   * Starts a command in a running container with its input and output streamed (kubectl exec):
   * `process` is its OCI process, written to `processFile` for the runtime to read.
   */
  openExec(id: string, process: object, processFile: string, tty: boolean): Promise<ExecProcess>;
  /** Attaches to a running container's own process through its monitor (kubectl attach). */
  openAttach(id: string, tty: boolean): Promise<ExecProcess>;
  /** The exit status recorded in a container's directory, once it has exited. */
  exitStatus(dir: string): Promise<ExitStatus | undefined>;
  /** After a container that never started is deleted: clears what its monitor left in `dir`. */
  forgetMonitor(dir: string): Promise<void>;
}

/**
 * Containers under an OCI runtime, each watched by its own conmon (Debian's container monitor,
 * as podman and CRI-O use it). conmon creates the container, keeps its stdout/stderr with
 * timestamps (the k8s-file format), notices OOM kills through the memory cgroup and records the
 * exit status; it lives in its own session, so containers, their logs and their exit codes
 * outlive an agent restart.
 */
export class Runtime implements ContainerRuntime {
  /** Whether conmon's attach sockets' directory is made (once: every create made it otherwise). */
  private socketDirMade = false;

  private readonly warm: WarmMonitors | undefined;
  /** The runtime's absolute path, as conmon wants it (its name when it is not installed: conmon then says so). */
  private readonly runtimePath: string;
  private readonly runtimeArgs: string[];

  constructor(private readonly o: RuntimeOptions) {
    const runtime = findBinary(o.binary);
    this.runtimePath = runtime ?? o.binary;
    this.runtimeArgs = [`--root=${o.root}`];
    this.warm =
      o.warm && o.warm.size > 0 && runtime && findBinary('conmon')
        ? new WarmMonitors({
            ...o.warm,
            runtime,
            socketDir: o.socketDir,
            args: (p) => this.conmonArgs(p),
            runtimeArgs: this.runtimeArgs,
          })
        : undefined;
  }

  private get rt(): string[] {
    return ['--root', this.o.root];
  }

  private get isRunc(): boolean {
    return basename(this.o.binary) === 'runc';
  }

  /**
   * Whether the runtime mounts a container's overlay root itself, as the first mount of its spec
   * (runc does; crun refuses a mount on "/", so its containers get their root mounted on the host).
   */
  get mountsRootOverlay(): boolean {
    return this.isRunc;
  }

  /** conmon's arguments for one container, its files in `p.dir`. */
  private conmonArgs(p: MonitorPaths): string[] {
    const f = containerFiles(p.dir);
    return [
      '--api-version',
      '1',
      '--cid',
      p.id,
      '--cuuid',
      p.id,
      '--name',
      p.id,
      '--runtime',
      p.runtime,
      '--bundle',
      p.bundle,
      '--container-pidfile',
      join(p.dir, 'pid'),
      '--conmon-pidfile',
      join(p.dir, 'conmon.pid'),
      '--log-path',
      `k8s-file:${f.log}`,
      '--log-size-max',
      String(this.o.logSizeMax),
      '--exit-dir',
      p.dir,
      '--persist-dir',
      p.dir,
      '--socket-dir-path',
      this.o.socketDir,
      ...p.runtimeArgs.flatMap((a) => ['--runtime-arg', a]),
      '--log-level',
      'error',
    ];
  }

  /**
   * Starts monitors ahead of need (see WarmMonitors), and again after each is taken; off when
   * none are asked for or conmon is not installed.
   */
  warmUp(): void {
    const warm = this.warm;
    if (!warm) return;
    try {
      this.socketDir();
    } catch {
      return; // each create makes it again, and says why it cannot
    }
    void warm.fill().catch(() => undefined);
  }

  /**
   * conmon's attach sockets' directory (each monitor links its container's bundle there), made on
   * first use. Synchronous, as a start's other small file work is (see writeEtcFiles).
   */
  private socketDir(): void {
    if (this.socketDirMade) return;
    mkdirSync(this.o.socketDir, { recursive: true });
    this.socketDirMade = true;
  }

  /**
   * Creates the container under conmon, ready to start; rejects with the runtime's own words.
   * With `stdio`, conmon holds its stdin open for attached clients and is its terminal's other end.
   */
  async create(id: string, bundle: string, dir: string, stdio?: Stdio): Promise<void> {
    // A warm monitor is taken and let go before this returns its promise: the work the caller
    // starts meanwhile (asking the registry) does not delay it.
    this.socketDir();
    // The gate takes the id and the bundle as one line each: anything else is made the cold way,
    // as is a container with stdio of its own (a warm monitor was started without it).
    const warm = /[\r\n]/.test(id + bundle) || stdio ? undefined : this.warm?.take(dir);
    if (warm) {
      warm.go(id, bundle);
      try {
        await warm.created;
      } finally {
        // Later, so that the monitor's start does not take the CPU this container's start needs.
        setTimeout(() => this.warmUp(), 200).unref();
      }
      return;
    }
    const io = stdio
      ? [...(stdio.stdin ? ['--stdin'] : []), ...(stdio.stdin && !stdio.stdinOnce ? ['--leave-stdin-open'] : [])]
      : [];
    await awaitCreated(
      spawnConmon([
        ...this.conmonArgs({ id, runtime: this.runtimePath, bundle, dir, runtimeArgs: this.runtimeArgs }),
        ...io,
        ...(stdio?.tty ? ['--terminal'] : []),
      ]),
    );
  }

  /** Starts a created container's process. */
  async start(id: string): Promise<void> {
    if (this.isRunc && (await startThroughFifo(join(this.o.root, id, 'exec.fifo'), 10_000))) return;
    await run(this.o.binary, [...this.rt, 'start', id]);
  }

  async kill(id: string, signal: 'TERM' | 'KILL' | string): Promise<void> {
    await run(this.o.binary, [...this.rt, 'kill', id, signal]).catch(() => undefined);
  }

  /** The runtime's word for a container (`created`, `running`, `stopped`…), or undefined when it has none by that id. */
  async status(id: string): Promise<string | undefined> {
    try {
      return (JSON.parse(await run(this.o.binary, [...this.rt, 'state', id])) as { status?: string }).status;
    } catch {
      return undefined;
    }
  }

  async delete(id: string): Promise<void> {
    await run(this.o.binary, [...this.rt, 'delete', '--force', id]).catch(() => undefined);
    // The link conmon made for the container's attach socket (a warm monitor's goes with its sweep).
    await rm(join(this.o.socketDir, id), { force: true });
  }

  /**
   * After a container that never started is deleted: waits for its monitor to exit and removes
   * what the monitor leaves behind (its exit file above all), so the same id can be created afresh.
   */
  async forgetMonitor(dir: string): Promise<void> {
    const conmon = Number(await readFile(join(dir, 'conmon.pid'), 'utf8').catch(() => ''));
    for (let i = 0; conmon > 0 && i < 100 && processAlive(conmon); i++) await new Promise((r) => setTimeout(r, 20));
    const f = containerFiles(dir);
    await Promise.all([f.exit, f.oom, join(dir, 'pid'), join(dir, 'conmon.pid')].map((p) => rm(p, { force: true })));
  }

  async exec(id: string, args: string[], timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      const p = spawn(this.o.binary, [...this.rt, 'exec', id, ...args], { stdio: 'ignore' });
      const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve(code ?? 1);
      });
    });
  }

  async openExec(id: string, process: object, processFile: string, tty: boolean): Promise<ExecProcess> {
    await writeFile(processFile, JSON.stringify(process), { mode: 0o600 });
    const p = spawnExec(this.o.binary, this.rt, id, processFile, tty);
    p.onExit(() => void rm(processFile, { force: true }));
    return p;
  }

  openAttach(id: string, tty: boolean): Promise<ExecProcess> {
    // conmon's link to the bundle, where its attach socket and control FIFO are.
    return openAttach(join(this.o.socketDir, id), tty);
  }

  /** The exit status conmon recorded, once the container has exited. */
  async exitStatus(dir: string): Promise<ExitStatus | undefined> {
    const f = containerFiles(dir);
    let code: number;
    try {
      code = Number((await readFile(f.exit, 'utf8')).trim());
    } catch {
      return undefined;
    }
    if (!Number.isInteger(code)) return undefined;
    const oomKilled = await stat(f.oom).then(
      () => true,
      () => false,
    );
    return { code, oomKilled };
  }
}

/** The runtime's own sentence out of its logrus line (`time=… level=error msg="…"`). */
export function runtimeMessage(text: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(text);
  if (!m) return text.trim();
  try {
    return JSON.parse(`"${m[1] ?? ''}"`) as string;
  } catch {
    return m[1] ?? text.trim();
  }
}
