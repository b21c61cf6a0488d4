import { notFound } from '../kernel/index.js';
import type { LogsDeps } from './deps.js';
import { newGroup } from './groups.js';
import type { EventFiles } from './event-files.js';
import { appendEvents, appendToFiles, type InputEvent } from './put-events.js';
import { newStream } from './streams.js';
import type { WriteTx } from '../store/index.js';
import { logGroups, logStreams, streamKey, type LogStreamRecord } from './tables.js';

export interface DriverBatch {
  group: string;
  stream: string;
  createGroup: boolean;
  /** The shipping source (a container's log file) and the byte range the events came from. */
  source: string;
  fromOffset: number;
  toOffset: number;
  events: InputEvent[];
}

/**
 * What the awslogs driver sends, stored once: the stream is created on first use (the group too
 * with `awslogs-create-group`), and a batch whose range the stream has already taken from the same
 * source — resent after a lost acknowledgement — is acknowledged without being stored again.
 */
export async function ingestDriverBatch(deps: LogsDeps, b: DriverBatch): Promise<void> {
  if (deps.events) return await ingestToFiles({ ...deps, events: deps.events }, b);
  await deps.store.transact((tx) => {
    let s = openStream(deps, tx, b);
    if ((s.sources[b.source] ?? 0) >= b.toOffset) return; // already stored
    if (b.events.length > 0) {
      appendEvents(deps, tx, b.group, b.stream, byTime(b.events));
      s = tx.get(logStreams, streamKey(b.group, b.stream))?.value ?? s;
    }
    tx.put(logStreams, { ...s, sources: { ...s.sources, [b.source]: b.toOffset } });
  });
}

/** A container's stdout and stderr interleave: the piece ordered by time, as the batch rule wants. */
const byTime = (events: InputEvent[]) => [...events].sort((x, y) => x.timestamp - y.timestamp);

/** The batch's stream, made on first use (its group too, with `awslogs-create-group`). */
function openStream(deps: LogsDeps, tx: WriteTx, b: DriverBatch): LogStreamRecord {
  if (!tx.get(logGroups, b.group)) {
    if (!b.createGroup) throw notFound(`The specified log group does not exist: ${b.group}`);
    tx.put(logGroups, newGroup(deps, b.group));
  }
  const s = tx.get(logStreams, streamKey(b.group, b.stream))?.value;
  return s ?? tx.put(logStreams, newStream(deps, b.group, b.stream)).value;
}

/** With event files: the stream opened first if need be, then the batch appended. */
async function ingestToFiles(deps: LogsDeps & { events: EventFiles }, b: DriverBatch): Promise<void> {
  if (!deps.store.read((tx) => tx.get(logStreams, streamKey(b.group, b.stream)))) {
    await deps.store.transact((tx) => openStream(deps, tx, b));
  }
  await appendToFiles(deps, b.group, b.stream, byTime(b.events), { name: b.source, toOffset: b.toOffset });
}
