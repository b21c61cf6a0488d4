import { invalidParameter } from '../kernel/index.js';
import type { LogsDeps } from './deps.js';
import { getLogGroup } from './groups.js';
import { streamMissing } from './streams.js';
import { SEP, eventPosition, eventPrefix, logEvents, logStreams, streamKey } from './tables.js';

export interface OutEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/** A position in a stream as a token's digits: 15 of time, 10 of sequence. */
export const toDigits = (pos: string) => pos.replace(SEP, '');
const fromDigits = (d: string) => `${d.slice(0, 15)}${SEP}${d.slice(15)}`;

function parseToken(token: string): { dir: 'f' | 'b'; pos: string } {
  const m = /^([fb])\/(\d{25})$/.exec(token);
  if (!m) throw invalidParameter('The specified nextToken is invalid.', { field: 'nextToken' });
  return { dir: m[1] as 'f' | 'b', pos: fromDigits(m[2] as string) };
}

/**
 * GetLogEvents. Forward reads continue after a position, backward reads end before one; a read
 * that finds nothing returns the token it was given, which is how clients know to stop.
 */
export function getLogEvents(
  deps: LogsDeps,
  q: {
    logGroupName: string;
    logStreamName: string;
    startTime?: number;
    endTime?: number;
    nextToken?: string;
    limit?: number;
    startFromHead?: boolean;
  },
): { events: OutEvent[]; nextForwardToken: string; nextBackwardToken: string } {
  getLogGroup(deps, q.logGroupName);
  const prefix = eventPrefix(q.logGroupName, q.logStreamName);
  if (!deps.store.read((tx) => tx.get(logStreams, streamKey(q.logGroupName, q.logStreamName)))) throw streamMissing();
  const limit = q.limit ?? 10_000;
  const lo = q.startTime !== undefined ? eventPosition(q.startTime, 0) : '';
  const hi = q.endTime !== undefined ? eventPosition(q.endTime, 0) : '\uffff';
  const token = q.nextToken ? parseToken(q.nextToken) : undefined;
  const forward = token ? token.dir === 'f' : q.startFromHead === true;
  let picked: { pos: string; e: OutEvent }[];
  const inRange = (pos: string) => pos >= lo && pos < hi;
  // The store lists strictly after a key; a position less its last digit sorts just before it.
  const fromLo = lo ? { after: prefix + lo.slice(0, -1) } : {};
  if (forward) {
    const after = token ? token.pos : '';
    const start = after > lo ? after : '';
    const rows = deps.store.read((tx) =>
      tx.list(logEvents, {
        prefix,
        ...(start ? { after: prefix + start } : fromLo),
        limit,
      }),
    );
    picked = [];
    for (const r of rows) {
      const pos = r.key.slice(prefix.length);
      if (token && pos <= token.pos) continue;
      if (!inRange(pos)) {
        if (pos >= hi) break;
        continue;
      }
      picked.push({
        pos,
        e: { timestamp: r.value.timestamp, message: r.value.message, ingestionTime: r.value.ingestionTime },
      });
      if (picked.length >= limit) break;
    }
  } else {
    // Backwards: the `limit` events just below the position (or the end), read highest first.
    const before = token && token.pos < hi ? token.pos : hi;
    const rows = deps.store.read((tx) =>
      tx.list(logEvents, {
        prefix,
        ...(before !== '\uffff' ? { before: prefix + before } : {}),
        ...fromLo,
        reverse: true,
        limit,
      }),
    );
    const all = rows
      .map((r) => ({ pos: r.key.slice(prefix.length), r }))
      .filter((x) => inRange(x.pos))
      .reverse();
    picked = all.map((x) => ({
      pos: x.pos,
      e: { timestamp: x.r.value.timestamp, message: x.r.value.message, ingestionTime: x.r.value.ingestionTime },
    }));
  }
  const first = picked[0]?.pos;
  const last = picked[picked.length - 1]?.pos;
  const here =
    token?.pos ??
    (forward ? lo || eventPosition(0, 0) : hi === '\uffff' ? eventPosition(999_999_999_999_999, 9_999_999_999) : hi);
  return {
    events: picked.map((p) => p.e),
    nextForwardToken: `f/${toDigits(last ?? here)}`,
    nextBackwardToken: `b/${toDigits(first ?? here)}`,
  };
}
