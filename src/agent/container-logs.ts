import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

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
 * Reads a container's log in conmon's k8s-file format (`<time> <stream> <F|P> <text>`), joining
 * partial (`P`) records into whole lines.
 */
export async function readContainerLog(file: string, q: LogQuery = {}): Promise<LogEvent[]> {
  const out: LogEvent[] = [];
  const partial: Record<string, { timestamp: number; text: string }> = {};
  let lines;
  try {
    lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) {
      const r = parseRecord(line);
      if (!r) continue;
      const { stream, timestamp } = r;
      const prev = partial[stream];
      const text = (prev?.text ?? '') + r.text;
      if (r.partial) {
        partial[stream] = { timestamp: prev?.timestamp ?? timestamp, text };
        continue;
      }
      delete partial[stream];
      const ev = { timestamp: prev?.timestamp ?? timestamp, stream, message: text };
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
