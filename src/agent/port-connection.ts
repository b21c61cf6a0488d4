import { connect } from 'node:net';
import { exitOnce, MAX_UNWRITTEN_BYTES, type ExecProcess } from './runtime/exec-process.js';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A TCP connection to a port in a workload's network (kubectl port-forward), shaped as a streamed
 * command: its bytes are the output, input is written to it, end-of-input half-closes it, and its
 * close is the exit (code 0). Rejects, with the system's words, when it cannot connect.
 */
export function connectPort(host: string, port: number, timeoutMs = CONNECT_TIMEOUT_MS): Promise<ExecProcess> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, allowHalfOpen: true });
    const timer = setTimeout(() => sock.destroy(new Error(`connect ETIMEDOUT ${host}:${port}`)), timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.on('error', () => sock.destroy());
      // The forwarded end closed its side: nothing more will come, so the connection is over here.
      sock.on('end', () => sock.end());
      const ending = exitOnce();
      sock.on('close', () => ending.exit(0));
      resolve({
        onOutput: (l) => sock.on('data', (d: Buffer) => l('stdout', d)),
        onExit: ending.onExit,
        write: (d) => {
          if (sock.writableLength > MAX_UNWRITTEN_BYTES) sock.destroy();
          else if (sock.writable) sock.write(d);
        },
        end: () => sock.end(),
        resize: () => undefined,
        hangUp: () => sock.destroy(),
      });
    });
  });
}
