import { invalidParameter } from '../kernel/index.js';
import type { WriteTx } from '../store/index.js';
import { now, type LogsDeps } from './deps.js';
import { streamMissing } from './streams.js';
import { eventPosition, eventPrefix, logEvents, logGroups, logStreams, streamKey } from './tables.js';

export const MAX_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
const DAY = 86_400_000;

export interface InputEvent {
  timestamp: number;
  message: string;
}

export interface PutResult {
  nextSequenceToken: string;
  rejectedLogEventsInfo?: {
    tooNewLogEventStartIndex?: number;
    tooOldLogEventEndIndex?: number;
    expiredLogEventEndIndex?: number;
  };
}

/** PutLogEvents' batch rules, in CloudWatch Logs' words. */
function checkBatch(events: InputEvent[]): void {
  if (events.length === 0) throw invalidParameter('At least one log event must be provided.', { field: 'logEvents' });
  if (events.length > MAX_EVENTS) {
    throw invalidParameter(`The batch of log events contains more than ${MAX_EVENTS} events.`, { field: 'logEvents' });
  }
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as InputEvent;
    bytes += Buffer.byteLength(e.message) + EVENT_OVERHEAD;
    if (i > 0 && e.timestamp < (events[i - 1] as InputEvent).timestamp) {
      throw invalidParameter('Log events in a single PutLogEvents request must be in chronological order.', {
        field: 'logEvents',
      });
    }
  }
  if (bytes > MAX_BATCH_BYTES) {
    throw invalidParameter(`The batch of log events is larger than ${MAX_BATCH_BYTES} bytes.`, { field: 'logEvents' });
  }
  const first = events[0] as InputEvent;
  const last = events[events.length - 1] as InputEvent;
  if (last.timestamp - first.timestamp > DAY) {
    throw invalidParameter('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.', {
      field: 'logEvents',
    });
  }
}

/**
 * Appends a batch to a stream in one transaction. Events too far in the future (over two hours),
 * older than 14 days, or older than the group's retention are left out and reported by index, as
 * CloudWatch Logs does; the rest are stored in order.
 */
export function appendEvents(
  deps: LogsDeps,
  tx: WriteTx,
  group: string,
  stream: string,
  events: InputEvent[],
): PutResult {
  checkBatch(events);
  const g = tx.get(logGroups, group)?.value;
  if (!g) throw streamMissing();
  const s = tx.get(logStreams, streamKey(group, stream))?.value;
  if (!s) throw streamMissing();
  const t = now(deps);
  const tooNew = events.findIndex((e) => e.timestamp > t + 2 * 3_600_000);
  let tooOld = -1;
  let expired = -1;
  events.forEach((e, i) => {
    if (e.timestamp < t - 14 * DAY) tooOld = i;
    if (g.retentionInDays && e.timestamp < t - g.retentionInDays * DAY) expired = i;
  });
  const start = Math.max(tooOld, expired) + 1;
  const end = tooNew >= 0 ? tooNew : events.length;
  let seq = s.nextSeq;
  let bytes = 0;
  const prefix = eventPrefix(group, stream);
  for (const e of events.slice(start, end)) {
    tx.put(logEvents, {
      key: prefix + eventPosition(e.timestamp, seq++),
      timestamp: e.timestamp,
      message: e.message,
      ingestionTime: t,
    });
    bytes += Buffer.byteLength(e.message);
  }
  const kept = events.slice(start, end);
  tx.put(logStreams, {
    ...s,
    nextSeq: seq,
    storedBytes: s.storedBytes + bytes,
    ...(kept.length
      ? {
          firstEventTimestamp: Math.min(s.firstEventTimestamp ?? Infinity, (kept[0] as InputEvent).timestamp),
          lastEventTimestamp: Math.max(s.lastEventTimestamp ?? 0, (kept[kept.length - 1] as InputEvent).timestamp),
          lastIngestionTime: t,
        }
      : {}),
  });
  const info = {
    ...(tooNew >= 0 ? { tooNewLogEventStartIndex: tooNew } : {}),
    ...(tooOld >= 0 ? { tooOldLogEventEndIndex: tooOld } : {}),
    ...(expired >= 0 ? { expiredLogEventEndIndex: expired } : {}),
  };
  return {
    nextSequenceToken: String(seq).padStart(56, '0'),
    ...(Object.keys(info).length ? { rejectedLogEventsInfo: info } : {}),
  };
}

export async function putLogEvents(
  deps: LogsDeps,
  group: string,
  stream: string,
  events: InputEvent[],
): Promise<PutResult> {
  return await deps.store.transact((tx) => appendEvents(deps, tx, group, stream, events));
}
