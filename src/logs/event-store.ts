import type { LogsDeps } from './deps.js';
import type { EventRange, StoredEvent } from './event-files.js';
import { eventPrefix, logEvents, streamKey, type LogStreamRecord } from './tables.js';

/** The key a stream's events are kept under in event files: its record's uid (older records: its name). */
export const eventStream = (s: LogStreamRecord) => s.uid ?? streamKey(s.group, s.name);

/**
 * A stream's events in a range: from the store's event table (one server over SQLite), or from the
 * servers' event files in the shared directory (several servers over etcd).
 */
export function listEvents(deps: LogsDeps, s: LogStreamRecord, r: EventRange): StoredEvent[] {
  if (deps.events) return deps.events.list(eventStream(s), r);
  const prefix = eventPrefix(s.group, s.name);
  const rows = deps.store.read((tx) =>
    tx.list(logEvents, {
      prefix,
      ...(r.after ? { after: prefix + r.after } : {}),
      ...(r.before ? { before: prefix + r.before } : {}),
      ...(r.reverse ? { reverse: true } : {}),
      limit: r.limit,
    }),
  );
  return rows.map((e) => ({
    pos: e.key.slice(prefix.length),
    timestamp: e.value.timestamp,
    message: e.value.message,
    ingestionTime: e.value.ingestionTime,
  }));
}
