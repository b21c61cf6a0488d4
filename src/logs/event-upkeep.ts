import type { LogsDeps } from './deps.js';
import type { EventFiles } from './event-files.js';
import { eventStream } from './event-store.js';
import { logStreams } from './tables.js';

type FilesDeps = LogsDeps & { events: EventFiles };

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
