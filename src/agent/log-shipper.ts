import { randomUUID } from 'node:crypto';
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileLinear, type LinearRegex, type Logger } from '../kernel/index.js';
import { LineJoiner, parseRecord } from './container-logs.js';
import type { LocalTask } from './task-state.js';

/** One container's awslogs settings, and where its log and shipping offset live. */
export interface ShipTarget {
  group: string;
  stream: string;
  createGroup: boolean;
  /** Identifies the log file to the control plane (the container's runtime id). */
  source: string;
  file: string;
  offsetFile: string;
  /** awslogs-multiline-pattern / awslogs-datetime-format: a line matching starts a new event. */
  multiline?: LinearRegex;
}

/** The awslogs targets of a task's containers (those with `logDriver: awslogs`). */
export function shipTargets(tasksDir: string, t: LocalTask): ShipTarget[] {
  const dir = join(tasksDir, t.spec.id, 'containers');
  return t.spec.containers.flatMap((c) =>
    c.log.type === 'cloudwatch'
      ? [
          {
            group: c.log.group,
            stream: c.log.stream,
            createGroup: c.log.createGroup,
            source: `${t.spec.id}-${c.name}`,
            file: join(dir, c.name, 'container.log'),
            offsetFile: join(dir, c.name, 'awslogs.offset'),
            ...multilineOption(c.log),
          },
        ]
      : [],
  );
}

// A batch stays inside PutLogEvents' limits: 10,000 events and 1 MiB (26 bytes counted per event).
const MAX_EVENTS = 10_000;
const MAX_BYTES = 900 * 1024;

/**
 * The awslogs driver's shipping half: reads what a container wrote since the last acknowledged
 * offset, sends it as one batch, and moves the offset (kept on disk) only once the control plane
 * has stored it. A restart resends the unacknowledged range, which the control plane recognises;
 * nothing is lost, nothing is stored twice.
 */
export class LogShipper {
  private readonly waiting = new Map<string, (error?: string) => void>();
  private readonly busy = new Set<string>();

  constructor(
    private readonly send: (msg: object) => boolean,
    private readonly logger: Logger,
    private readonly ackTimeoutMs = 10_000,
  ) {}

  onAck(requestId: string, error?: string): void {
    const done = this.waiting.get(requestId);
    this.waiting.delete(requestId);
    done?.(error);
  }

  /**
   * Ships everything written so far; true once all of it has been acknowledged. With a multi-line
   * pattern the last event may still grow, so it waits for more output unless `final` (the
   * container has exited).
   */
  async drain(t: ShipTarget, final = false): Promise<boolean> {
    if (this.busy.has(t.source)) return false;
    this.busy.add(t.source);
    try {
      for (;;) {
        const step = await this.shipOnce(t, final);
        if (step !== 'more') return step === 'drained';
      }
    } finally {
      this.busy.delete(t.source);
    }
  }

  private async shipOnce(t: ShipTarget, final: boolean): Promise<'more' | 'drained' | 'stalled'> {
    // The offset file holds `<generation> <offset>`; a generation starts when the log is truncated.
    const [g, o] = (await readFile(t.offsetFile, 'utf8').catch(() => '0 0')).trim().split(/\s+/);
    let [gen, offset] = o === undefined ? [0, Number(g) || 0] : [Number(g) || 0, Number(o) || 0];
    const size = await stat(t.file).then(
      (s) => s.size,
      () => 0,
    );
    if (size < offset) {
      // conmon truncates a log that reaches --log-size-max: start again from its beginning, as a
      // new source, so the control plane does not take the new bytes for ones it has.
      this.logger.warn({ file: t.file }, 'container log was truncated; lines written since the last batch may be lost');
      gen += 1;
      offset = 0;
      await this.saveOffset(t, gen, 0);
    }
    if (size <= offset) return 'drained';
    const length = Math.min(size - offset, MAX_BYTES);
    const piece = await readPiece(t.file, offset, length, t.multiline, final && offset + length >= size);
    if (piece.consumed === 0) return 'drained'; // only the start of a line so far
    const requestId = randomUUID();
    const acked = new Promise<string | undefined | 'timeout'>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        resolve('timeout');
      }, this.ackTimeoutMs);
      this.waiting.set(requestId, (error) => {
        clearTimeout(timer);
        resolve(error);
      });
    });
    const sent = this.send({
      type: 'log-batch',
      requestId,
      group: t.group,
      stream: t.stream,
      createGroup: t.createGroup,
      source: gen === 0 ? t.source : `${t.source}#${gen}`,
      fromOffset: offset,
      toOffset: offset + piece.consumed,
      events: piece.events,
    });
    if (!sent) {
      this.onAck(requestId, 'timeout');
      return 'stalled';
    }
    const result = await acked;
    if (result === 'timeout') return 'stalled';
    // A refusal (say, a missing log group) is logged and the piece dropped, as a driver would.
    if (result) this.logger.warn({ group: t.group, stream: t.stream, error: result }, 'awslogs batch refused');
    await this.saveOffset(t, gen, offset + piece.consumed);
    return offset + piece.consumed >= size ? 'drained' : 'more';
  }

  private async saveOffset(t: ShipTarget, gen: number, offset: number): Promise<void> {
    const tmp = `${t.offsetFile}.tmp`;
    await writeFile(tmp, `${gen} ${offset}`);
    await rename(tmp, t.offsetFile);
  }
}

/**
 * Events from whole records starting at `offset`: a line continued over several `P` records goes
 * in one event, and a piece never ends inside one. With a multi-line pattern, lines that do not
 * match it join the event before them, and the last event waits for more unless `atEnd`.
 */
export async function readPiece(
  file: string,
  offset: number,
  length: number,
  multiline?: LinearRegex,
  atEnd = false,
): Promise<{ events: { timestamp: number; message: string }[]; consumed: number }> {
  const fh = await open(file, 'r');
  let buf: Buffer;
  try {
    buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    buf = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  // Whole lines, each with the offset just after it (where no continued line is open).
  const lines: { timestamp: number; text: string; end: number }[] = [];
  const joiner = new LineJoiner();
  let pos = 0;
  let bytes = 0;
  let lastEnd = 0;
  while (lines.length < MAX_EVENTS) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break;
    const r = parseRecord(buf.toString('utf8', pos, nl));
    pos = nl + 1;
    if (!r) {
      if (!joiner.open) lastEnd = pos;
      continue;
    }
    const line = joiner.add(r);
    if (!line) continue;
    bytes += Buffer.byteLength(line.message) + 26;
    if (bytes > MAX_BYTES && lines.length > 0) break;
    lines.push({ timestamp: line.timestamp, text: line.message, end: -1 });
    if (!joiner.open) {
      lastEnd = pos;
      for (let i = lines.length - 1; i >= 0 && (lines[i] as { end: number }).end < 0; i--) {
        (lines[i] as { end: number }).end = pos;
      }
    }
  }
  const whole = lines.filter((l) => l.end >= 0);
  if (!multiline) {
    return {
      events: whole.map((l) => ({ timestamp: l.timestamp, message: l.text })),
      consumed: whole.length ? lastEnd : 0,
    };
  }
  const events: { timestamp: number; message: string; end: number; start: number }[] = [];
  let start = 0;
  for (const l of whole) {
    const cur = events[events.length - 1];
    if (cur && !multiline.find(l.text)) {
      cur.message += `\n${l.text}`;
      cur.end = l.end;
    } else {
      events.push({ timestamp: l.timestamp, message: l.text, end: l.end, start });
    }
    start = l.end;
  }
  // The last event may continue in output not written yet.
  const complete = atEnd && events.length > 0 ? events : events.slice(0, -1);
  const consumed = complete.length ? (complete[complete.length - 1] as { end: number }).end : 0;
  return { events: complete.map((e) => ({ timestamp: e.timestamp, message: e.message })), consumed };
}

/** The awslogs options that join lines into multi-line events, as one pattern. */
// The patterns run on RE2 (Go's syntax, as Docker's awslogs driver reads them): a container's
// output is matched in linear time whatever the pattern.
function multilineOption(o: { multilinePattern?: string; datetimeFormat?: string }): { multiline?: LinearRegex } {
  const pattern = o.multilinePattern;
  // A pattern that does not compile fails the container before it starts (awslogs-options.ts).
  if (pattern) {
    try {
      return { multiline: compileLinear(pattern) };
    } catch {
      return {};
    }
  }
  const format = o.datetimeFormat;
  if (!format) return {};
  const tokens: Record<string, string> = {
    Y: '\\d{4}',
    y: '\\d{2}',
    m: '\\d{2}',
    d: '\\d{2}',
    e: '[ \\d]\\d',
    H: '\\d{2}',
    I: '\\d{2}',
    M: '\\d{2}',
    S: '\\d{2}',
    f: '\\d{1,9}',
    j: '\\d{3}',
    b: '[A-Za-z]{3}',
    a: '[A-Za-z]{3}',
    A: '[A-Za-z]+',
    B: '[A-Za-z]+',
    p: '[AP]M',
    z: '[+-]\\d{4}',
    Z: '[A-Z]+',
    '%': '%',
  };
  let re = '^';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i] as string;
    if (ch === '%' && i + 1 < format.length) {
      const t = format[++i] as string;
      re += tokens[t] ?? t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else {
      re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return { multiline: compileLinear(re) };
}
