import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { run } from './exec.js';

export type RuncStatus = 'creating' | 'created' | 'running' | 'stopped' | 'paused' | 'missing';

/**
 * runc driven through a tiny detached monitor: `sh` runs `runc run` in the foreground (so runc
 * reaps the container and returns its exit status), writes the status to a file, and lives in its
 * own session, so containers and their exit codes outlive an agent restart.
 */
export class Runc {
  constructor(private readonly root: string) {}

  start(id: string, bundle: string, files: { stdout: string; stderr: string; exit: string }): void {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const script =
      `runc --root ${q(this.root)} run --bundle ${q(bundle)} ${q(id)} </dev/null >>${q(files.stdout)} 2>>${q(files.stderr)}; ` +
      `echo $? > ${q(files.exit)}.tmp && mv ${q(files.exit)}.tmp ${q(files.exit)}`;
    const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    child.unref();
  }

  async status(id: string): Promise<RuncStatus> {
    try {
      const state = JSON.parse(await run('runc', ['--root', this.root, 'state', id])) as { status: RuncStatus };
      return state.status;
    } catch {
      return 'missing';
    }
  }

  async pid(id: string): Promise<number | undefined> {
    try {
      return (JSON.parse(await run('runc', ['--root', this.root, 'state', id])) as { pid: number }).pid;
    } catch {
      return undefined;
    }
  }

  async kill(id: string, signal: 'TERM' | 'KILL' | string): Promise<void> {
    await run('runc', ['--root', this.root, 'kill', id, signal]).catch(() => undefined);
  }

  async delete(id: string): Promise<void> {
    await run('runc', ['--root', this.root, 'delete', '--force', id]).catch(() => undefined);
  }

  async exec(id: string, args: string[], timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      const p = spawn('runc', ['--root', this.root, 'exec', id, ...args], { stdio: 'ignore' });
      const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve(code ?? 1);
      });
    });
  }

  /** The exit status the monitor recorded, once the container has exited. */
  static async exitCode(file: string): Promise<number | undefined> {
    try {
      const n = Number((await readFile(file, 'utf8')).trim());
      return Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }
}
