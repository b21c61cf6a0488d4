import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { lstat, mkdir, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { awaitCreated, spawnConmon, type MonitorPaths } from './conmon.js';

/**
 * The OCI runtime a warm monitor runs: it waits on its gate, fd 4 (a pipe from the agent, which
 * conmon hands down to its runtime), for the container berth gives it (an id and a bundle, one
 * line each), then becomes the real runtime's `create` with that id and bundle in place of the
 * placeholders the monitor was started with. End of file on the gate (the agent closed it, or
 * went away) and it exits 1, and its monitor with it.
 */
export function gateScript(runtime: string): string {
  const quoted = `'${runtime.replaceAll("'", `'\\''`)}'`;
  return `#!/bin/sh
# berth: a warm container monitor's runtime (see warm-monitors.ts)
{ IFS= read -r id && IFS= read -r bundle; } <&4 || exit 1
exec 4<&-
[ -n "$id" ] && [ -n "$bundle" ] || exit 1
n=$#; i=0; prev=
for a do
  i=$((i+1)); shift
  v=$a
  [ "$prev" = --bundle ] && v=$bundle
  [ "$i" -eq "$n" ] && v=$id
  set -- "$@" "$v"; prev=$a
done
exec ${quoted} "$@"
`;
}

/** A monitor started ahead, waiting at its gate. */
interface Slot {
  dir: string;
  /** The agent's end of the gate. */
  gate: Socket;
  created: Promise<void>;
  /** Whether `created` has settled: before the monitor was taken, it had ended. */
  ended: boolean;
  /** conmon's stderr and sync pipe: unreferenced while it waits, referenced again once taken. */
  pipes: Socket[];
}

/**
 * conmon started ahead of need. A monitor's start (its process, its libraries, its daemon fork)
 * took ~20 ms of each container's create on this kind of host; a warm one has done all that and
 * waits, its runtime blocked on a gate. Taking one moves its files (its pid file and its log,
 * opened already) into the container's directory, leaves a link in its place for the paths conmon
 * writes later (the exit code, the OOM mark), and writes the container's id and bundle to the
 * gate. Monitors not taken end when the agent does: their gate's only writer goes with it.
 */
export class WarmMonitors {
  private readonly ready: Slot[] = [];
  private filling = false;
  private gateReady: Promise<string> | undefined;

  constructor(
    private readonly o: {
      dir: string;
      size: number;
      runtime: string;
      /** Where conmon links each monitor's attach socket directory, by the monitor's id. */
      socketDir: string;
      args: (p: MonitorPaths) => string[];
      runtimeArgs: string[];
    },
  ) {}

  private get script(): string {
    return join(this.o.dir, 'runtime-gate');
  }

  /**
   * A monitor ready for `dir`'s container, or undefined (none warm, or the directory has had a
   * container: its log goes on). Synchronous, so that the sweep never sees a monitor half taken;
   * and quick: four calls on local files, where the same through the thread pool took ~4 ms of a
   * start, queued behind the task's other file work. What the monitor's directory still holds (its
   * bundle directory, conmon's fifos in it) is renamed aside and removed later (or by the sweep).
   */
  take(dir: string): { created: Promise<void>; go: (id: string, bundle: string) => void } | undefined {
    let slot = this.ready.shift();
    // A monitor that ended while it waited (killed, say) is dropped for the next.
    for (; slot?.ended; slot = this.ready.shift()) {
      slot.gate.destroy();
      rmSync(slot.dir, { recursive: true, force: true });
    }
    if (!slot) return undefined;
    if (existsSync(join(dir, 'container.log'))) {
      this.ready.unshift(slot);
      return undefined;
    }
    try {
      for (const f of ['container.log', 'conmon.pid']) renameSync(join(slot.dir, f), join(dir, f));
      renameSync(slot.dir, `${slot.dir}.taken`);
      symlinkSync(dir, slot.dir);
    } catch {
      slot.gate.destroy();
      return undefined;
    }
    void rm(`${slot.dir}.taken`, { recursive: true, force: true }).catch(() => undefined);
    for (const s of slot.pipes) s.ref();
    return { created: slot.created, go: (id, bundle) => slot.gate.end(`${id}\n${bundle}\n`) };
  }

  /** Tops the pool up to its size, one monitor at a time; first clearing what earlier monitors left. */
  async fill(): Promise<void> {
    if (this.filling || this.o.size <= 0) return;
    this.filling = true;
    try {
      await this.sweep();
      const script = await (this.gateReady ??= this.writeScript());
      while (this.ready.length < this.o.size) this.ready.push(await this.startOne(script));
    } finally {
      this.filling = false;
    }
  }

  private async writeScript(): Promise<string> {
    await mkdir(this.o.dir, { recursive: true });
    await writeFile(this.script, gateScript(this.o.runtime), { mode: 0o755 });
    return this.script;
  }

  private async startOne(script: string): Promise<Slot> {
    const id = `warm-${randomBytes(8).toString('hex')}`;
    const dir = join(this.o.dir, id);
    await mkdir(join(dir, 'bundle'), { recursive: true });
    const args = this.o.args({
      id,
      runtime: script,
      bundle: join(dir, 'bundle'),
      dir,
      runtimeArgs: this.o.runtimeArgs,
    });
    const p = spawnConmon(args, true);
    const created = awaitCreated(p);
    const gate = p.stdio[4] as Socket;
    gate.on('error', () => undefined); // a monitor that ended: `created` says so
    // A monitor waiting for a container keeps no process alive (the agent's, a test's) by itself.
    const pipes = [p.stdio[2], p.stdio[3], gate].filter(Boolean) as Socket[];
    for (const s of pipes) s.unref();
    const slot: Slot = { dir, gate, created, ended: false, pipes };
    // (A monitor never taken is never awaited.)
    created.then(
      () => (slot.ended = true),
      () => (slot.ended = true),
    );
    // Ready once conmon's first process has gone: it has opened the log and written its pid file by then.
    const code = await new Promise<number | null>((resolve) => {
      p.once('exit', resolve);
      p.once('error', () => resolve(-1));
    });
    if (code !== 0) {
      gate.destroy();
      await rm(dir, { recursive: true, force: true });
      throw new Error(`a warm container monitor exited with ${code}`);
    }
    return slot;
  }

  /**
   * Removes what monitors of earlier agents and finished containers left here: directories of
   * monitors never taken (theirs ended with that agent) and what taken ones left behind, and links
   * to containers that have exited or whose directories are gone.
   */
  private async sweep(): Promise<void> {
    const mine = new Set(this.ready.map((s) => s.dir));
    const names = await readdir(this.o.dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith('warm-'))) {
      const p = join(this.o.dir, name);
      if (mine.has(p)) continue;
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
      // conmon's link for the monitor's attach socket goes with the monitor (a taken one's
      // directory, renamed aside, is not the monitor: its link stays while the container lives).
      const link = join(this.o.socketDir, name);
      if (st.isDirectory()) {
        await rm(p, { recursive: true, force: true });
        if (!name.endsWith('.taken')) await rm(link, { force: true });
      } else if (st.isSymbolicLink()) {
        const target = await readlink(p).catch(() => '');
        const done = await stat(join(target, 'exit')).then(
          () => true,
          async () => !target || !(await stat(target).catch(() => undefined)),
        );
        if (done) await Promise.all([rm(p, { force: true }), rm(link, { force: true })]);
      }
    }
  }
}
