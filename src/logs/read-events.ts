import { invalidParameter } from '../kernel/index.js';
import type { LogsDeps } from './deps.js';
import { getLogGroup } from './groups.js';
import { streamMissing } from './streams.js';
import type { StoredEvent } from './event-files.js';
import { listEvents } from './event-store.js';
import { SEP, eventPosition, logStreams, streamKey } from './tables.js';

export interface OutEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/**
 * A position as a token's text: 15 digits of time and 10 of sequence, then, for events in event
 * files, a dot and the tag of the server that wrote them.
 */
export const toDigits = (pos: string) => pos.replace(SEP, '').replace(SEP, '.');
const fromDigits = (d: string) => `${d.slice(0, 15)}${SEP}${d.slice(15, 25)}${d.length > 25 ? SEP + d.slice(26) : ''}`;

function parseToken(token: string): { dir: 'f' | 'b'; pos: string } {
  const m = /^([fb])\/(\d{25}(?:\.[A-Za-z0-9_-]{1,64})?)$/.exec(token);
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
  const stream = deps.store.read((tx) => tx.get(logStreams, streamKey(q.logGroupName, q.logStreamName)))?.value;
  if (!stream) throw streamMissing();
  const limit = q.limit ?? 10_000;
  const lo = q.startTime !== undefined ? eventPosition(q.startTime, 0) : '';
  const hi = q.endTime !== undefined ? eventPosition(q.endTime, 0) : '\uffff';
  const token = q.nextToken ? parseToken(q.nextToken) : undefined;
  const forward = token ? token.dir === 'f' : q.startFromHead === true;
  let picked: StoredEvent[];
  const inRange = (pos: string) => pos >= lo && pos < hi;
  // Ranges list strictly after a position; a position less its last digit sorts just before it.
  const fromLo = lo ? { after: lo.slice(0, -1) } : {};
  if (forward) {
    const after = token ? token.pos : '';
    const start = after > lo ? after : '';
    const rows = listEvents(deps, stream, { ...(start ? { after: start } : fromLo), limit });
    picked = [];
    for (const r of rows) {
      if (token && r.pos <= token.pos) continue;
      if (!inRange(r.pos)) {
        if (r.pos >= hi) break;
        continue;
      }
      picked.push(r);
      if (picked.length >= limit) break;
    }
  } else {
    // Backwards: the `limit` events just below the position (or the end), read highest first.
    const before = token && token.pos < hi ? token.pos : hi;
    const rows = listEvents(deps, stream, {
      ...(before !== '\uffff' ? { before } : {}),
      ...fromLo,
      reverse: true,
      limit,
    });
    picked = rows.filter((r) => inRange(r.pos)).reverse();
  }
  const first = picked[0]?.pos;
  const last = picked[picked.length - 1]?.pos;
  const here =
    token?.pos ??
    (forward ? lo || eventPosition(0, 0) : hi === '\uffff' ? eventPosition(999_999_999_999_999, 9_999_999_999) : hi);
  return {
    events: picked.map((p) => ({ timestamp: p.timestamp, message: p.message, ingestionTime: p.ingestionTime })),
    nextForwardToken: `f/${toDigits(last ?? here)}`,
    nextBackwardToken: `b/${toDigits(first ?? here)}`,
  };
}
