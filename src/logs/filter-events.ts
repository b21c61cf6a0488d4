import { invalidParameter } from '../kernel/index.js';
import type { LogsDeps } from './deps.js';
import { compileFilter } from './filter-pattern.js';
import { getLogGroup } from './groups.js';
import { toDigits, type OutEvent } from './read-events.js';
import type { StoredEvent } from './event-files.js';
import { listEvents } from './event-store.js';
import { SEP, eventPosition, logStreams, streamPrefix, type LogStreamRecord } from './tables.js';

/** Rows read from one stream at a time: enough to amortise a query, few enough to keep memory flat. */
const CHUNK = 2_000;
/**
 * Events one call looks at before it answers with what it found and a token to go on, as
 * CloudWatch Logs does (a call may come back with few or no events and a nextToken).
 */
export const SCAN_LIMIT = 1_000_000;

/** One stream's events in order, read a chunk at a time, from a position on and below a bound. */
class Cursor {
  private rows: StoredEvent[] = [];
  private i = 0;
  private last: string;
  private done = false;
  private readonly minPos: string;
  readonly name: string;
  order = '';
  pos = '';
  value?: StoredEvent;

  constructor(
    private readonly deps: LogsDeps,
    private readonly stream: LogStreamRecord,
    from: string,
    private readonly hi: string,
  ) {
    this.name = stream.name;
    // A position less its last digit sorts before it: rows from `from` on are read (and the few
    // that sort between are skipped by `advance`).
    this.last = from ? from.slice(0, -1) : '';
    this.minPos = from;
  }

  /** Moves to the next event; false at the stream's end (or the time bound). */
  advance(): boolean {
    for (;;) {
      if (this.i >= this.rows.length) {
        if (this.done) return false;
        this.rows = listEvents(this.deps, this.stream, { ...(this.last ? { after: this.last } : {}), limit: CHUNK });
        this.i = 0;
        if (this.rows.length < CHUNK) this.done = true;
        if (this.rows.length === 0) return false;
        this.last = (this.rows[this.rows.length - 1] as StoredEvent).pos;
      }
      const r = this.rows[this.i++] as StoredEvent;
      if (r.pos < this.minPos) continue;
      if (r.pos >= this.hi) {
        this.done = true;
        this.rows = [];
        return false;
      }
      this.pos = r.pos;
      this.order = `${r.pos}${SEP}${this.name}`;
      this.value = r;
      return true;
    }
  }
}

/** A min-heap of cursors by their current event's order (time, arrival, then stream name). */
class Heap {
  private readonly a: Cursor[] = [];
  get size() {
    return this.a.length;
  }
  push(c: Cursor): void {
    const a = this.a;
    a.push(c);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if ((a[p] as Cursor).order <= (a[i] as Cursor).order) break;
      [a[p], a[i]] = [a[i] as Cursor, a[p] as Cursor];
      i = p;
    }
  }
  pop(): Cursor | undefined {
    const a = this.a;
    const top = a[0];
    const end = a.pop();
    if (a.length > 0 && end) {
      a[0] = end;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && (a[l] as Cursor).order < (a[m] as Cursor).order) m = l;
        if (r < a.length && (a[r] as Cursor).order < (a[m] as Cursor).order) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i] as Cursor, a[m] as Cursor];
        i = m;
      }
    }
    return top;
  }
}

/**
 * FilterLogEvents: matching events from the group's streams (all, named, or by prefix), merged in
 * time order across streams and read a chunk at a time, so memory stays flat however large the
 * group. A call stops at `limit` matches or after SCAN_LIMIT events; its token resumes after the
 * last event it looked at.
 */
export function filterLogEvents(
  deps: LogsDeps,
  q: {
    logGroupName: string;
    logStreamNames?: string[];
    logStreamNamePrefix?: string;
    startTime?: number;
    endTime?: number;
    filterPattern?: string;
    nextToken?: string;
    limit?: number;
  },
  scanLimit = SCAN_LIMIT,
) {
  getLogGroup(deps, q.logGroupName);
  if (q.logStreamNames?.length && q.logStreamNamePrefix) {
    throw invalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive.', {
      field: 'logStreamNamePrefix',
    });
  }
  const match = compileFilter(q.filterPattern);
  const streams = deps.store
    .read((tx) => tx.list(logStreams, { prefix: streamPrefix(q.logGroupName) + (q.logStreamNamePrefix ?? '') }))
    .map((e) => e.value)
    .filter((s) => !q.logStreamNames?.length || q.logStreamNames.includes(s.name));
  const lo = q.startTime !== undefined ? eventPosition(q.startTime, 0) : '';
  const hi = q.endTime !== undefined ? eventPosition(q.endTime, 0) : '\uffff';
  let after = '';
  if (q.nextToken) {
    after = Buffer.from(q.nextToken, 'base64url').toString();
    const [ms, seq, name] = after.split(SEP);
    if (!/^\d{15}$/.test(ms ?? '') || !/^\d{10}$/.test(seq ?? '') || !name)
      throw invalidParameter('The specified nextToken is invalid.', { field: 'nextToken' });
  }
  const afterPos = after.slice(0, after.indexOf(SEP, after.indexOf(SEP) + 1));
  const from = afterPos > lo ? afterPos : lo;
  const heap = new Heap();
  for (const stream of streams) {
    const c = new Cursor(deps, stream, from, hi);
    while (c.advance()) {
      if (!after || c.order > after) {
        heap.push(c);
        break;
      }
    }
  }
  const limit = q.limit ?? 10_000;
  const events: (OutEvent & { logStreamName: string; eventId: string })[] = [];
  let scanned = 0;
  let lastOrder = '';
  while (heap.size > 0 && events.length < limit && scanned < scanLimit) {
    const c = heap.pop() as Cursor;
    const v = c.value as StoredEvent;
    scanned++;
    lastOrder = c.order;
    if (match(v.message)) {
      events.push({
        logStreamName: c.name,
        timestamp: v.timestamp,
        message: v.message,
        ingestionTime: v.ingestionTime,
        eventId: toDigits(c.pos).padStart(56, '0'),
      });
    }
    if (c.advance()) heap.push(c);
  }
  const more = heap.size > 0;
  return {
    events,
    searchedLogStreams: streams.map((s) => ({ logStreamName: s.name, searchedCompletely: !more })),
    ...(more ? { nextToken: Buffer.from(lastOrder).toString('base64url') } : {}),
  };
}
