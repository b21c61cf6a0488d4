import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LogsRequest } from '../wire/index.js';

/** The agent's answer to a logs request (the wire's `logs` message). */
interface LogsMessage {
  type: 'logs';
  requestId: string;
  events: LogEvent[];
  error?: string;
}

/** One line a container printed, as conmon recorded it. */
export interface LogEvent {
  /** Milliseconds since the epoch. */
  timestamp: number;
  stream: 'stdout' | 'stderr';
  message: string;
}

export interface LogQuery {
  /** Only lines at or after this time (ms). */
  startTime?: number;
  /** Only lines before this time (ms). */
  endTime?: number;
  /** At most this many lines: the first ones, or the last ones with `fromEnd`. */
  limit?: number;
  fromEnd?: boolean;
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) ([FP]) ?(.*)$/;

/** A k8s-file timestamp (RFC 3339 with nanoseconds) in milliseconds. */
function parseTime(date: string, fraction: string | undefined, zone: string): number {
  return Date.parse(`${date}${(fraction ?? '.000').slice(0, 4).padEnd(4, '0')}${zone}`);
}

/** One k8s-file record: when, which stream, whether the line continues (`P`), and its text. */
export function parseRecord(
  line: string,
): { timestamp: number; stream: LogEvent['stream']; partial: boolean; text: string } | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return {
    timestamp: parseTime(m[1] as string, m[2], m[3] as string),
    stream: m[4] as LogEvent['stream'],
    partial: m[5] === 'P',
    text: m[6] ?? '',
  };
}

/**
 * Joins partial (`P`) records into whole lines, per stream: `add` returns a line once its final
 * (`F`) record arrives; `open` says whether some line is still unfinished.
 */
export class LineJoiner {
  private readonly partial: Partial<Record<LogEvent['stream'], { timestamp: number; text: string }>> = {};
  private unfinished = 0;

  add(r: NonNullable<ReturnType<typeof parseRecord>>): LogEvent | undefined {
    const prev = this.partial[r.stream];
    const text = (prev?.text ?? '') + r.text;
    const timestamp = prev?.timestamp ?? r.timestamp;
    if (r.partial) {
      if (!prev) this.unfinished++;
      this.partial[r.stream] = { timestamp, text };
      return undefined;
    }
    if (prev) {
      delete this.partial[r.stream];
      this.unfinished--;
    }
    return { timestamp, stream: r.stream, message: text };
  }

  get open(): boolean {
    return this.unfinished > 0;
  }
}

/**
 * Reads a container's log in conmon's k8s-file format (`<time> <stream> <F|P> <text>`), joining
 * partial (`P`) records into whole lines.
 */
export async function readContainerLog(file: string, q: LogQuery = {}): Promise<LogEvent[]> {
  const out: LogEvent[] = [];
  const joiner = new LineJoiner();
  let lines;
  try {
    lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) {
      const r = parseRecord(line);
      const ev = r && joiner.add(r);
      if (!ev) continue;
      if (q.startTime !== undefined && ev.timestamp < q.startTime) continue;
      if (q.endTime !== undefined && ev.timestamp >= q.endTime) continue;
      out.push(ev);
      if (q.limit !== undefined && !q.fromEnd && out.length >= q.limit) break;
      if (q.limit !== undefined && q.fromEnd && out.length > q.limit) out.shift();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  } finally {
    lines?.close();
  }
  return out;
}

/** The answer to the control plane's request for a container's log, kept well inside one websocket frame. */
export async function answerLogsRequest(tasksDir: string, q: LogsRequest): Promise<LogsMessage> {
  if (
    !/^[0-9a-f]{32}$/.test(q.taskId) ||
    !/^[A-Za-z0-9_-]{1,255}$/.test(q.container) ||
    !existsSync(join(tasksDir, q.taskId))
  ) {
    return { type: 'logs', requestId: q.requestId, events: [], error: 'this agent has no record of the task' };
  }
  const events = await readContainerLog(join(tasksDir, q.taskId, 'containers', q.container, 'container.log'), q);
  let bytes = 0;
  const cut = events.findIndex((e) => (bytes += e.message.length + 64) > 3 * 1024 * 1024);
  return { type: 'logs', requestId: q.requestId, events: cut < 0 ? events : events.slice(0, cut) };
}
