import type { WebSocket } from 'ws';
import { invalidParameter } from '../kernel/index.js';
import type { ExecHandle, PodExecSource, TerminalSize } from '../kube/index.js';
import type { PodTarget } from './pod-target.js';
import { queryFlag } from './query.js';

/**
 * The channel protocols of `pods/<name>/exec`, best first: each websocket message is one channel
 * byte and its data. v5 adds closing a channel (255, then the channel): kubectl 1.30+ speaks only
 * v5; the Python client speaks v4.
 */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/**
 * Output waiting for a client that does not read it, at most: past this a stream is cut (its
 * command hung up on, its connections closed), so a container that writes faster than its
 * client reads cannot make berth hold its output without end.
 */
export const MAX_UNREAD_BYTES = 16 * 1024 * 1024;

/** One message of the channel protocols: the channel's byte, then its data. */
export const sendOnChannel = (ws: WebSocket, channel: number, data: Buffer) =>
  ws.send(Buffer.concat([Buffer.of(channel), data]));

const bad = (message: string) => invalidParameter(message, { reason: 'malformed' });

type Container = { name: string; stdin?: boolean; tty?: boolean };

/** The streams and the container a request names, checked against the pod as the API server checks them. */
function containerStreams(p: PodTarget, q: URLSearchParams) {
  const spec = p.pod['spec'] as { containers: Container[]; initContainers?: Container[] };
  const io = {
    stdin: queryFlag(q, 'stdin'),
    stdout: queryFlag(q, 'stdout'),
    stderr: queryFlag(q, 'stderr'),
    tty: queryFlag(q, 'tty'),
  };
  if (!io.stdin && !io.stdout && !io.stderr) throw bad('you must specify at least 1 of stdin, stdout, stderr');
  const name = q.get('container') ?? (spec.containers.length === 1 ? spec.containers[0]?.name : undefined);
  if (!name)
    throw bad(
      `a container name must be specified for pod ${p.name}, choose one of: [${spec.containers.map((c) => c.name).join(' ')}]`,
    );
  const container = [...(spec.initContainers ?? []), ...spec.containers].find((x) => x.name === name);
  if (!container) throw bad(`container ${name} is not valid for pod ${p.name}`);
  return { io, container };
}

/** What an exec request asks for. */
export function execTarget(p: PodTarget, q: URLSearchParams) {
  const command = q.getAll('command');
  if (command.length === 0) throw bad('you must specify at least one command for the container');
  const { io, container } = containerStreams(p, q);
  return { hostId: p.hostId, taskId: p.taskId, container: container.name, command, ...io };
}

/**
 * What an attach request asks for: the container's own process (no command); stdin and tty only
 * as far as the container holds them (its spec's `stdin` and `tty`).
 */
export function attachTarget(p: PodTarget, q: URLSearchParams) {
  const { io, container } = containerStreams(p, q);
  return {
    hostId: p.hostId,
    taskId: p.taskId,
    container: container.name,
    command: [] as string[],
    attach: true,
    ...io,
    stdin: io.stdin && container.stdin === true,
    tty: io.tty && container.tty === true,
  };
}

export type ExecTarget = ReturnType<typeof execTarget> & { attach?: boolean };

/** The exit's Status on the error channel: Success, or the kubelet's NonZeroExitCode with the code. */
export function exitStatus(command: string[], outcome: { code: number } | { error: string }): object {
  if ('code' in outcome && outcome.code === 0) return { metadata: {}, status: 'Success' };
  if ('code' in outcome)
    return {
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${outcome.code}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(outcome.code) }] },
    };
  return { metadata: {}, status: 'Failure', message: outcome.error, reason: 'InternalError' };
}

/** A resize message's size (`{"Width":…,"Height":…}`), or undefined for anything else (0×0 included). */
export function parseSize(data: Buffer): TerminalSize | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const w = Object.hasOwn(o, 'Width') ? o['Width'] : undefined;
  const h = Object.hasOwn(o, 'Height') ? o['Height'] : undefined;
  // A size of 0 is what a client without a terminal of its own reads: the terminal keeps its size.
  const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 65535;
  return ok(w) && ok(h) ? { width: w, height: h } : undefined;
}

/**
 * `pods/<name>/exec` (kubectl exec) or `attach` (kubectl attach, run -it) once upgraded: the command runs on the pod's node through its
 * agent; input, output and resizes go through as channels, and the exit ends the stream with a
 * Status on the error channel.
 */
export function runExec(ws: WebSocket, source: PodExecSource, t: ExecTarget): void {
  const v5 = ws.protocol === EXEC_PROTOCOLS[0];
  const frame = (channel: number, data: Buffer) => sendOnChannel(ws, channel, data);
  let ended = false;
  const end = (outcome: { code: number } | { error: string }) => {
    if (ended) return;
    ended = true;
    // An attach ends as its process or its client does, with no code of the process's to tell.
    const status = t.attach && 'code' in outcome ? { code: 0 } : outcome;
    frame(ERROR, Buffer.from(JSON.stringify(exitStatus(t.command, status))));
    ws.close(1000);
  };
  let handle: ExecHandle;
  try {
    handle = source.open(
      t.hostId,
      {
        taskId: t.taskId,
        container: t.container,
        command: t.command,
        tty: t.tty,
        stdin: t.stdin,
        ...(t.attach ? { attach: true } : {}),
      },
      {
        output: (stream, data) => {
          if (ended) return;
          if (ws.bufferedAmount > MAX_UNREAD_BYTES) {
            // The error channel would wait behind what is unread: the stream is cut.
            ended = true;
            ws.terminate();
            return;
          }
          if (stream === 'stdout' ? t.stdout : t.stderr) frame(stream === 'stdout' ? STDOUT : STDERR, data);
        },
        exit: end,
      },
    );
  } catch (e) {
    return end({ error: (e as Error).message });
  }
  ws.on('message', (raw: Buffer, isBinary) => {
    const data = isBinary ? raw : Buffer.from(raw.toString('utf8'));
    if (data.length === 0) return;
    const channel = data[0];
    const body = data.subarray(1);
    if (channel === STDIN && t.stdin && body.length > 0) handle.write(body);
    else if (channel === RESIZE && t.tty) {
      const size = parseSize(body);
      if (size) handle.resize(size);
    } else if (channel === CLOSE && v5 && body[0] === STDIN) handle.eof();
  });
  ws.on('close', () => {
    ended = true;
    handle.hangUp();
  });
  ws.on('error', () => ws.terminate());
}
