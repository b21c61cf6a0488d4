import { spawn } from 'node:child_process';
import pty from '@lydell/node-pty';
import type { TerminalSize } from '../../wire/index.js';

/** A command running in a container, as `kubectl exec` drives it. */
export interface ExecProcess {
  onOutput(listener: (stream: 'stdout' | 'stderr', data: Buffer) => void): void;
  /** Once, with the command's exit code (128 + n for signal n); every listener. */
  onExit(listener: (code: number) => void): void;
  write(data: Buffer): void;
  /** Closes the command's stdin (with a terminal: sends end-of-file, ^D). */
  end(): void;
  resize(size: TerminalSize): void;
  /** The client left: SIGHUP, then SIGKILL if it is still there after `graceMs`. */
  hangUp(graceMs?: number): void;
}

/**
 * An exit heard once: `exit` records the code (the first one only) and calls every listener;
 * a listener that comes after the exit is called at once.
 */
export function exitOnce() {
  const listeners: ((code: number) => void)[] = [];
  let code: number | undefined;
  return {
    exit(c: number): void {
      if (code !== undefined) return;
      code = c;
      for (const l of listeners) l(c);
    },
    onExit(l: (code: number) => void): void {
      if (code !== undefined) l(code);
      else listeners.push(l);
    },
    get exited(): boolean {
      return code !== undefined;
    },
  };
}

/**
 * Input waiting for a command (or connection) that does not read it, at most: past this the
 * session is hung up on, so a client cannot make the agent hold what it sends without end.
 */
export const MAX_UNWRITTEN_BYTES = 16 * 1024 * 1024;

/** How long a command hung up on may take before it is killed. */
const HANG_UP_GRACE_MS = 5000;

/**
 * `runc exec -p <process.json> <id>` in the foreground. With a terminal, runc is given a
 * pseudo-terminal of its own (node-pty): runc then makes the container's terminal, copies between
 * the two, and passes a resize of its own on to it (SIGWINCH); the process file sets the first
 * size (`consoleSize`), so the command never sees 0×0. Without one, runc copies pipes.
 */
export function spawnExec(
  binary: string,
  rtArgs: string[],
  id: string,
  processFile: string,
  tty: boolean,
): ExecProcess {
  const args = [...rtArgs, 'exec', '--process', processFile, id];
  const ending = exitOnce();
  const { exit, onExit } = ending;
  let killTimer: NodeJS.Timeout | undefined;
  const later = (kill: () => void, graceMs: number) => {
    killTimer ??= setTimeout(kill, graceMs);
    killTimer.unref();
  };
  if (tty) {
    const p = pty.spawn(binary, args, { cols: 80, rows: 24, encoding: null, env: process.env });
    let listener: ((stream: 'stdout' | 'stderr', data: Buffer) => void) | undefined;
    p.onData((d) => listener?.('stdout', Buffer.from(d as unknown as Uint8Array)));
    p.onExit((e) => {
      clearTimeout(killTimer);
      exit(e.signal ? 128 + e.signal : e.exitCode);
    });
    return {
      onOutput: (l) => (listener = l),
      onExit,
      write: (d) => p.write(d as unknown as string),
      end: () => p.write('\x04'),
      resize: (s) => {
        if (!ending.exited) p.resize(Math.max(1, s.width), Math.max(1, s.height));
      },
      hangUp: (graceMs = HANG_UP_GRACE_MS) => {
        if (ending.exited) return;
        p.kill('SIGHUP');
        later(() => p.kill('SIGKILL'), graceMs);
      },
    };
  }
  const p = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  p.stdin.on('error', () => undefined); // a command that ignores its input: EPIPE is no news
  p.on('error', () => exit(127));
  p.on('close', (c, signal) => {
    clearTimeout(killTimer);
    exit(c ?? (signal === 'SIGKILL' ? 137 : 129));
  });
  return {
    onOutput: (l) => {
      p.stdout.on('data', (d: Buffer) => l('stdout', d));
      p.stderr.on('data', (d: Buffer) => l('stderr', d));
    },
    onExit,
    write: (d) => {
      if (p.stdin.writableEnded) return;
      if (p.stdin.writableLength > MAX_UNWRITTEN_BYTES) hangUp();
      else p.stdin.write(d);
    },
    end: () => p.stdin.end(),
    resize: () => undefined,
    hangUp,
  };
  function hangUp(graceMs = HANG_UP_GRACE_MS): void {
    if (ending.exited) return;
    p.kill('SIGHUP'); // runc passes it to the command
    later(() => p.kill('SIGKILL'), graceMs);
  }
}
