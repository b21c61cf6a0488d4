import { spawn, type ChildProcess } from 'node:child_process';

/*
 * conmon, Debian's container monitor (as podman and CRI-O use it), as the runtime starts it: its
 * arguments' paths, its start, and its report of the runtime's create on the sync pipe.
 */

/** What conmon is told for one container whose files all go in `dir` (see Runtime.create). */
export interface MonitorPaths {
  id: string;
  runtime: string;
  bundle: string;
  dir: string;
  runtimeArgs: string[];
}

/** conmon's report of the runtime's create: resolves once the container exists, else rejects with the runtime's words. */
export function awaitCreated(p: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let out = '';
    let err = '';
    let settled = false;
    const settle = (final: boolean) => {
      const msg = parseSync(out);
      if (settled || (!msg && !final)) return;
      settled = true;
      if (msg && msg.data > 0) resolve();
      else reject(new Error(msg?.message?.trim() || err.trim() || 'the container monitor failed to create it'));
    };
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const sync = p.stdio[3] as NodeJS.ReadableStream;
    sync.on('data', (d: Buffer) => {
      out += d.toString();
      settle(false);
    });
    sync.on('error', () => undefined);
    sync.on('end', () => settle(true));
    p.on('error', reject);
  });
}

/** conmon's first sync message: `{"data": <pid>}`, or a negative data with the runtime's message. */
function parseSync(text: string): { data: number; message?: string } | undefined {
  const first = text.split('\n').find((l) => l.trim());
  try {
    return first ? (JSON.parse(first) as { data: number; message?: string }) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts conmon (detached, in its own session) with the sync pipe on fd 3, and a warm monitor's gate on fd 4. */
export function spawnConmon(args: string[], gate = false): ChildProcess {
  const p = spawn('conmon', args, {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', ...(gate ? (['pipe'] as const) : [])],
    env: { ...process.env, _OCI_SYNCPIPE: '3' },
  });
  p.unref();
  return p;
}
