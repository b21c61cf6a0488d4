import { invalidParameter } from '../kernel/index.js';
import type { WriteTx } from '../store/index.js';
import { now, type LogsDeps } from './deps.js';
import { streamMissing } from './streams.js';
import type { EventFiles } from './event-files.js';
import { eventStream } from './event-store.js';
import {
  eventPosition,
  eventPrefix,
  logEvents,
  logGroups,
  logStreams,
  streamKey,
  type LogGroupRecord,
  type LogStreamRecord,
} from './tables.js';

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

/** Which of a batch's events are kept: those neither too new, too old, nor past retention. */
function planBatch(deps: LogsDeps, g: LogGroupRecord, events: InputEvent[]) {
  const t = now(deps);
  const tooNew = events.findIndex((e) => e.timestamp > t + 2 * 3_600_000);
  let tooOld = -1;
  let expired = -1;
  events.forEach((e, i) => {
    if (e.timestamp < t - 14 * DAY) tooOld = i;
    if (g.retentionInDays && e.timestamp < t - g.retentionInDays * DAY) expired = i;
  });
  const kept = events.slice(Math.max(tooOld, expired) + 1, tooNew >= 0 ? tooNew : events.length);
  const info = {
    ...(tooNew >= 0 ? { tooNewLogEventStartIndex: tooNew } : {}),
    ...(tooOld >= 0 ? { tooOldLogEventEndIndex: tooOld } : {}),
    ...(expired >= 0 ? { expiredLogEventEndIndex: expired } : {}),
  };
  return { t, kept, info };
}

/** The stream's record once `kept` is stored: counts, bounds and the next sequence number. */
function recordKept(tx: WriteTx, s: LogStreamRecord, kept: InputEvent[], t: number, extra: Partial<LogStreamRecord>) {
  const bytes = kept.reduce((n, e) => n + Buffer.byteLength(e.message), 0);
  return tx.put(logStreams, {
    ...s,
    ...extra,
    nextSeq: s.nextSeq + kept.length,
    storedBytes: s.storedBytes + bytes,
    ...(kept.length
      ? {
          firstEventTimestamp: Math.min(s.firstEventTimestamp ?? Infinity, (kept[0] as InputEvent).timestamp),
          lastEventTimestamp: Math.max(s.lastEventTimestamp ?? 0, (kept[kept.length - 1] as InputEvent).timestamp),
          lastIngestionTime: t,
        }
      : {}),
  }).value;
}

const result = (s: LogStreamRecord, info: PutResult['rejectedLogEventsInfo'] & object): PutResult => ({
  nextSequenceToken: String(s.nextSeq).padStart(56, '0'),
  ...(Object.keys(info).length ? { rejectedLogEventsInfo: info } : {}),
});

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
  const { t, kept, info } = planBatch(deps, g, events);
  const prefix = eventPrefix(group, stream);
  let seq = s.nextSeq;
  for (const e of kept) {
    tx.put(logEvents, {
      key: prefix + eventPosition(e.timestamp, seq++),
      timestamp: e.timestamp,
      message: e.message,
      ingestionTime: t,
    });
  }
  return result(recordKept(tx, s, kept, t, {}), info);
}

/**
 * Appends a batch with event files (several servers): the events go into this server's file
 * first, then the stream's record (counts, and with a driver batch its source's offset) is
 * committed. If the commit finds the stream gone, or the driver batch stored by another server
 * meanwhile, the rows are taken back. A crash between the two leaves the events stored and the
 * record behind, so a batch sent again is stored twice: at least once, never lost.
 */
export async function appendToFiles(
  deps: LogsDeps & { events: EventFiles },
  group: string,
  stream: string,
  events: InputEvent[],
  source?: { name: string; toOffset: number },
): Promise<PutResult | undefined> {
  if (events.length > 0 || !source) checkBatch(events);
  const [g, s] = deps.store.read((tx) => [
    tx.get(logGroups, group)?.value,
    tx.get(logStreams, streamKey(group, stream))?.value,
  ]);
  if (!g || !s) throw streamMissing();
  if (source && (s.sources[source.name] ?? 0) >= source.toOffset) return undefined;
  const { t, kept, info } = planBatch(deps, g, events);
  const uid = eventStream(s);
  const written = deps.events.append(
    uid,
    kept.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: t })),
  );
  try {
    const done = await deps.store.transact((tx) => {
      const cur = tx.get(logStreams, streamKey(group, stream))?.value;
      if (!cur || eventStream(cur) !== uid) throw streamMissing();
      if (source && (cur.sources[source.name] ?? 0) >= source.toOffset) return undefined;
      const extra = source ? { sources: { ...cur.sources, [source.name]: source.toOffset } } : {};
      return recordKept(tx, cur, kept, t, extra);
    });
    if (!done) deps.events.remove(uid, written);
    return done && result(done, info);
  } catch (e) {
    deps.events.remove(uid, written);
    throw e;
  }
}

export async function putLogEvents(
  deps: LogsDeps,
  group: string,
  stream: string,
  events: InputEvent[],
): Promise<PutResult> {
  const { events: files } = deps;
  if (files) return (await appendToFiles({ ...deps, events: files }, group, stream, events)) as PutResult;
  return await deps.store.transact((tx) => appendEvents(deps, tx, group, stream, events));
}
