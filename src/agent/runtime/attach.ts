import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { TerminalSize } from '../../wire/index.js';
import { exitOnce, type ExecProcess } from './exec-process.js';

/** conmon's tags of what it sends an attached client: the first byte of each packet. */
const STDOUT_PIPE = 2;
const STDERR_PIPE = 3;
/** conmon's control FIFO message that resizes the terminal: `1 <height> <width>\n`. */
const RESIZE = 1;

/**
 * A client of conmon's attach socket (`<bundle>/attach`, SOCK_SEQPACKET, which Node's net cannot
 * open): each packet from conmon is a tag byte and a piece of the container's output; what is
 * written goes to the container's stdin (when conmon holds it open: `--stdin`). The session ends
 * when conmon closes it (the container has exited) or the client leaves — the container runs on.
 * A resize goes through conmon's control FIFO beside the socket.
 */
export async function openAttach(bundle: string, tty: boolean): Promise<ExecProcess> {
  // Loaded when first used: an agent on a platform without the native module runs all but attach.
  const { SeqpacketSocket } = await import('node-unix-socket').catch((e: unknown) => {
    throw new Error(`attaching needs the node-unix-socket module, which cannot be loaded here: ${String(e)}`);
  });
  const socket = new SeqpacketSocket();
  const ending = exitOnce();
  let resizing = Promise.resolve();
  const outputs: ((stream: 'stdout' | 'stderr', data: Buffer) => void)[] = [];
  socket.on('data', (packet: Buffer) => {
    const tag = packet[0];
    const stream = tag === STDOUT_PIPE ? 'stdout' : tag === STDERR_PIPE ? 'stderr' : undefined;
    if (!stream || packet.length < 2) return;
    const data = Buffer.from(packet.subarray(1));
    for (const l of outputs) l(stream, data);
  });
  const close = () => {
    ending.exit(0);
    socket.destroy();
  };
  socket.on('end', close);
  socket.on('close', close);
  socket.on('error', close);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(join(bundle, 'attach'), () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    onOutput: (l) => void outputs.push(l),
    onExit: ending.onExit,
    write: (data) => {
      if (!ending.exited) socket.write(data);
    },
    // The end of input: a terminal reads end-of-file as ^D; a pipe's is a half-close, which conmon
    // takes as this client's end of input (closing the container's stdin unless it is to stay
    // open) while it goes on sending output.
    end: () => {
      if (ending.exited) return;
      if (tty) socket.write(Buffer.of(4));
      else socket.end();
    },
    // In order: kubectl sends a size one larger and then the real one, to make the program redraw.
    resize: (size: TerminalSize) => {
      resizing = resizing.then(() => resizeTerminal(bundle, size));
    },
    hangUp: close,
  };
}

/** Asks conmon to resize the container's terminal (nothing when conmon does not read its FIFO). */
async function resizeTerminal(bundle: string, size: TerminalSize): Promise<void> {
  // Non-blocking: a FIFO nobody reads (conmon gone) fails at once rather than waiting for a reader.
  const f = await open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
  if (!f) return;
  try {
    await f.write(`${RESIZE} ${size.height} ${size.width}\n`);
  } catch {
    // A full FIFO: this resize is lost, the next one tells the size again.
  } finally {
    await f.close();
  }
}
