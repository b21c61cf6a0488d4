import { randomUUID } from 'node:crypto';
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../kernel/logger.js';
import { parseRecord } from './container-logs.js';
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
}

/** The awslogs targets of a task's containers (those with `logDriver: awslogs`). */
export function shipTargets(tasksDir: string, t: LocalTask): ShipTarget[] {
  const dir = join(tasksDir, t.spec.taskId, 'containers');
  type Def = { name: string; logConfiguration?: { logDriver?: string; options?: Record<string, string> } };
  return (t.spec.containers as Def[])
    .filter((c) => c.logConfiguration?.logDriver === 'awslogs' && c.logConfiguration.options?.['awslogs-group'])
    .map((c) => {
      const o = c.logConfiguration?.options ?? {};
      const prefix = o['awslogs-stream-prefix'];
      return {
        group: o['awslogs-group'] as string,
        // ECS names the stream prefix/container-name/task-id.
        stream: prefix ? `${prefix}/${c.name}/${t.spec.taskId}` : `${t.spec.taskId}/${c.name}`,
        createGroup: o['awslogs-create-group'] === 'true',
        source: `${t.spec.taskId}-${c.name}`,
        file: join(dir, c.name, 'container.log'),
        offsetFile: join(dir, c.name, 'awslogs.offset'),
      };
    });
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

  /** Ships everything written so far; true once all of it has been acknowledged. */
  async drain(t: ShipTarget): Promise<boolean> {
    if (this.busy.has(t.source)) return false;
    this.busy.add(t.source);
    try {
      for (;;) {
        const step = await this.shipOnce(t);
        if (step !== 'more') return step === 'drained';
      }
    } finally {
      this.busy.delete(t.source);
    }
  }

  private async shipOnce(t: ShipTarget): Promise<'more' | 'drained' | 'stalled'> {
    const offset = Number((await readFile(t.offsetFile, 'utf8').catch(() => '0')).trim()) || 0;
    const size = await stat(t.file).then(
      (s) => s.size,
      () => 0,
    );
    if (size <= offset) return 'drained';
    const piece = await readPiece(t.file, offset, Math.min(size - offset, MAX_BYTES));
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
      source: t.source,
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
    const tmp = `${t.offsetFile}.tmp`;
    await writeFile(tmp, String(offset + piece.consumed));
    await rename(tmp, t.offsetFile);
    return offset + piece.consumed >= size ? 'drained' : 'more';
  }
}

/**
 * Events from whole records starting at `offset`: a line continued over several `P` records goes
 * in one event, and a piece never ends inside one.
 */
async function readPiece(
  file: string,
  offset: number,
  length: number,
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
  const events: { timestamp: number; message: string }[] = [];
  const partial: Record<string, { timestamp: number; text: string }> = {};
  let consumed = 0;
  /** How many events lie before `consumed`: the piece ends where no continued line is open. */
  let keep = 0;
  let pos = 0;
  let bytes = 0;
  while (events.length < MAX_EVENTS) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break;
    const r = parseRecord(buf.toString('utf8', pos, nl));
    pos = nl + 1;
    if (!r) {
      if (Object.keys(partial).length === 0) {
        consumed = pos;
        keep = events.length;
      }
      continue;
    }
    const prev = partial[r.stream];
    const text = (prev?.text ?? '') + r.text;
    if (r.partial) {
      partial[r.stream] = { timestamp: prev?.timestamp ?? r.timestamp, text };
      continue;
    }
    delete partial[r.stream];
    bytes += Buffer.byteLength(text) + 26;
    if (bytes > MAX_BYTES && events.length > 0) break;
    events.push({ timestamp: prev?.timestamp ?? r.timestamp, message: text });
    if (Object.keys(partial).length === 0) {
      consumed = pos;
      keep = events.length;
    }
  }
  return { events: events.slice(0, keep), consumed };
}
