import type { LogsDeps } from './deps.js';
import type { EventFiles } from './event-files.js';
import { eventStream } from './event-store.js';
import { logGroups, logStreams, streamPrefix } from './tables.js';

type FilesDeps = LogsDeps & { events: EventFiles };

/**
 * Retention with event files: each server deletes the expired events of its own file (no server
 * writes another's), a chunk at a time, and takes their bytes off the stream's count.
 */
export async function expireEventFiles(deps: FilesDeps, cutoffOf: (days: number) => number, chunk: number) {
  let removed = 0;
  for (const g of deps.store.read((tx) => tx.list(logGroups)).map((e) => e.value)) {
    if (!g.retentionInDays) continue;
    const cutoff = cutoffOf(g.retentionInDays);
    for (const s of deps.store.read((tx) => tx.list(logStreams, { prefix: streamPrefix(g.name) }))) {
      for (;;) {
        const { count, bytes } = deps.events.expire(eventStream(s.value), cutoff, chunk);
        if (count > 0) {
          await deps.store.transact((tx) => {
            const cur = tx.get(logStreams, s.key)?.value;
            if (cur) tx.put(logStreams, { ...cur, storedBytes: Math.max(0, cur.storedBytes - bytes) });
          });
        }
        removed += count;
        if (count < chunk) break;
      }
    }
  }
  return removed;
}

/**
 * Drops from this server's event file the events of streams that no longer exist (deleted, with
 * their group or alone). The file's streams are listed before the store is read: a stream whose
 * events were written had its record before them, so one missing afterwards is gone for good.
 */
export function pruneEventFiles(deps: FilesDeps): number {
  const held = deps.events.streams();
  if (held.length === 0) return 0;
  const live = new Set(deps.store.read((tx) => tx.list(logStreams)).map((e) => eventStream(e.value)));
  let dropped = 0;
  for (const uid of held) if (!live.has(uid)) dropped += deps.events.drop(uid);
  return dropped;
}
