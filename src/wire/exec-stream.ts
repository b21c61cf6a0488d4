import { z } from 'zod';

/**
 * Commands run in a workload's running container over the agent wire (kubectl exec): the control
 * plane opens a session on the host, then each side sends its bytes (base64) tagged with the
 * session's id, until the agent says how the command ended. Bytes are cut in pieces of at most
 * EXEC_CHUNK so that no one message holds the connection long.
 */
export const EXEC_CHUNK = 64 * 1024;

/** Bytes as the base64 pieces the wire carries them in, each of at most EXEC_CHUNK bytes. */
export function base64Pieces(data: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at < data.length; at += EXEC_CHUNK) out.push(data.subarray(at, at + EXEC_CHUNK).toString('base64'));
  return out;
}

const sessionId = z.string().regex(/^[0-9a-f-]{36}$/);
const base64 = z.string().max(Math.ceil(EXEC_CHUNK / 3) * 4);

/** A piece of a command's output. */
export const execOutputSchema = z.object({
  type: z.literal('exec-output'),
  sessionId,
  stream: z.enum(['stdout', 'stderr']),
  data: base64,
});

/** How a command ended: its exit code, or why it could not run (then no code). */
export const execExitSchema = z.object({
  type: z.literal('exec-exit'),
  sessionId,
  code: z.number().int().optional(),
  error: z.string().max(4096).optional(),
});

export interface TerminalSize {
  width: number;
  height: number;
}

/** A command to run in a workload's container. */
export interface ExecRequest {
  taskId: string;
  container: string;
  command: string[];
  /** A terminal for the command (stdout and stderr then one stream), of this size at first. */
  tty: boolean;
  size?: TerminalSize;
  /** Whether input follows; without it the command's stdin is closed at once. */
  stdin: boolean;
  /**
   * Instead of a command (then empty): the container's own process (kubectl attach), its output
   * from now on, input to its stdin when it holds one open; the session ends when the process
   * does or the client leaves (then the process runs on).
   */
  attach?: boolean;
  /**
   * Instead of a command (then empty): a TCP connection to this port in the workload's network
   * (kubectl port-forward), its bytes the session's output and input, its close the exit (code 0).
   */
  port?: number;
}

/** Control plane → agent: run a command in a container of a workload running on the host. */
export interface ExecStart extends ExecRequest {
  type: 'exec-start';
  sessionId: string;
}

/** Control plane → agent: input for a session, its end, a new terminal size, or the session's end. */
export interface ExecInput {
  type: 'exec-input';
  sessionId: string;
  data?: string;
  /** No more input: the command's stdin is closed. */
  eof?: boolean;
  resize?: TerminalSize;
  /** The client left: the command is hung up on. */
  hangUp?: boolean;
}

export type ExecOutput = z.infer<typeof execOutputSchema>;
export type ExecExit = z.infer<typeof execExitSchema>;

/** What receives a command's output and end, on the side that asked for it. */
export interface ExecListener {
  output(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** The exit code, or why the command could not run (or the host went away). */
  exit(outcome: { code: number } | { error: string }): void;
}

/** A command running on a host, as the side that asked for it drives it. */
export interface ExecHandle {
  write(data: Buffer): void;
  eof(): void;
  resize(size: TerminalSize): void;
  /** The client left. */
  hangUp(): void;
}
