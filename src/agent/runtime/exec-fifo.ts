import { constants, openSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Socket } from 'node:net';

/**
 * Starts a container runc has created, as `runc start` does it, without spawning runc again: a
 * created container's init waits to open `<root>/<id>/exec.fifo` for writing; opening it for
 * reading lets it write one byte and exec the container's process, which closes its end (the
 * fifo is close-on-exec), and the fifo's removal is what marks the container running in runc's
 * state. Resolves true once the process has been exec'd; false when there is no fifo, or the
 * init went away or did not answer within `timeoutMs`: the caller then asks `runc start`, whose
 * error says what happened.
 */
export async function startThroughFifo(fifo: string, timeoutMs: number): Promise<boolean> {
  let fd: number;
  try {
    // Non-blocking: a fifo nobody writes would otherwise hold a thread of the pool forever. (libuv
    // opens every file close-on-exec, so no container inherits it.)
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  const released = await new Promise<boolean>((resolve) => {
    const s = new Socket({ fd, readable: true, writable: false });
    let got = 0;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('end', () => done(got > 0));
    s.on('error', () => done(false));
  });
  if (released) await unlink(fifo).catch(() => undefined);
  return released;
}
