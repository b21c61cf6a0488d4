import { alreadyExists, invalidParameter, notFound } from '../kernel/index.js';
import { groupArn, now, type LogsDeps } from './deps.js';
import type { WriteTx } from '../store/index.js';
import { eventStream } from './event-store.js';
import {
  eventPosition,
  eventPrefix,
  logEvents,
  logGroups,
  logStreams,
  streamKey,
  streamPrefix,
  type LogGroupRecord,
  type LogStreamRecord,
} from './tables.js';

/** The retention periods CloudWatch Logs accepts, in days. */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const groupMissing = () => notFound('The specified log group does not exist.', { resource: 'log-group' });

/** A new log group's record. */
export const newGroup = (
  deps: LogsDeps,
  name: string,
  tags: Record<string, string> = {},
  logGroupClass = 'STANDARD',
): LogGroupRecord => ({
  name,
  arn: groupArn(deps, name),
  createdAt: now(deps),
  tags,
  logGroupClass,
});

export async function createLogGroup(
  deps: LogsDeps,
  input: { logGroupName: string; tags?: Record<string, string>; logGroupClass?: string; kmsKeyId?: string },
): Promise<LogGroupRecord> {
  return await deps.store.transact((tx) => {
    if (tx.get(logGroups, input.logGroupName)) {
      throw alreadyExists('The specified log group already exists');
    }
    const group = newGroup(deps, input.logGroupName, input.tags, input.logGroupClass);
    return tx.put(logGroups, input.kmsKeyId ? { ...group, kmsKeyId: input.kmsKeyId } : group).value;
  });
}

export function getLogGroup(deps: LogsDeps, name: string): LogGroupRecord {
  const g = deps.store.read((tx) => tx.get(logGroups, name))?.value;
  if (!g) throw groupMissing();
  return g;
}

/** Deletes the group with its streams and every event in them. */
export async function deleteLogGroup(deps: LogsDeps, name: string): Promise<void> {
  getLogGroup(deps, name);
  await deps.store.transact((tx) => {
    for (const s of tx.list(logStreams, { prefix: streamPrefix(name) })) {
      for (const e of tx.list(logEvents, { prefix: eventPrefix(s.value.group, s.value.name) }))
        tx.delete(logEvents, e.key);
      tx.delete(logStreams, s.key);
    }
    tx.delete(logGroups, name);
  });
}

export function describeLogGroups(
  deps: LogsDeps,
  q: { logGroupNamePrefix?: string; logGroupNamePattern?: string },
): LogGroupRecord[] {
  if (q.logGroupNamePrefix && q.logGroupNamePattern) {
    throw invalidParameter('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.', {
      field: 'logGroupNamePattern',
    });
  }
  const all = deps.store
    .read((tx) => tx.list(logGroups, q.logGroupNamePrefix ? { prefix: q.logGroupNamePrefix } : {}))
    .map((e) => e.value);
  const pattern = q.logGroupNamePattern?.toLowerCase();
  return pattern ? all.filter((g) => g.name.toLowerCase().includes(pattern)) : all;
}

export async function setRetention(deps: LogsDeps, name: string, days: number | undefined): Promise<void> {
  if (days !== undefined && !RETENTION_DAYS.includes(days)) {
    throw invalidParameter(
      `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
      { field: 'retentionInDays' },
    );
  }
  await deps.store.transact((tx) => {
    const g = tx.get(logGroups, name)?.value;
    if (!g) throw groupMissing();
    const { retentionInDays: _old, ...rest } = g;
    tx.put(logGroups, days === undefined ? rest : { ...rest, retentionInDays: days });
  });
}

export async function tagLogGroup(
  deps: LogsDeps,
  name: string,
  change: (tags: Record<string, string>) => Record<string, string>,
) {
  return await deps.store.transact((tx) => {
    const g = tx.get(logGroups, name)?.value;
    if (!g) throw groupMissing();
    const tags = change(g.tags);
    if (Object.keys(tags).length > 50)
      throw invalidParameter('A log group can have at most 50 tags.', { field: 'tags' });
    tx.put(logGroups, { ...g, tags });
    return tags;
  });
}

/**
 * Retention: events older than their group's retention are deleted (a pass per maintenance
 * interval, as CloudWatch Logs deletes expired events in the background).
 */
export async function expireEvents(deps: LogsDeps, chunk = 10_000): Promise<number> {
  let removed = 0;
  const t = now(deps);
  for (const g of deps.store.read((tx) => tx.list(logGroups)).map((e) => e.value)) {
    if (!g.retentionInDays) continue;
    const cutoff = t - g.retentionInDays * 86_400_000;
    for (const s of deps.store.read((tx) => tx.list(logStreams, { prefix: streamPrefix(g.name) }))) {
      // Positions are in time order: only what lies below the cutoff is read, a chunk at a time,
      // so a stream of millions of events neither fills memory nor holds the store for long.
      for (;;) {
        const n = await expireChunk(deps, s.value, cutoff, chunk);
        removed += n;
        if (n < chunk) break;
      }
    }
  }
  return removed;
}

/**
 * Deletes up to `chunk` of a stream's events older than `cutoff` and takes their bytes off its
 * count; how many. With event files, only this server's own file (each server expires its own).
 */
async function expireChunk(deps: LogsDeps, s: LogStreamRecord, cutoff: number, chunk: number): Promise<number> {
  const key = streamKey(s.group, s.name);
  const uncount = (tx: WriteTx, bytes: number) => {
    const cur = tx.get(logStreams, key)?.value;
    if (cur) tx.put(logStreams, { ...cur, storedBytes: Math.max(0, cur.storedBytes - bytes) });
  };
  if (deps.events) {
    const { count, bytes } = deps.events.expire(eventStream(s), cutoff, chunk);
    if (count > 0) await deps.store.transact((tx) => uncount(tx, bytes));
    return count;
  }
  const prefix = eventPrefix(s.group, s.name);
  return await deps.store.transact((tx) => {
    const old = tx.list(logEvents, { prefix, before: prefix + eventPosition(cutoff, 0), limit: chunk });
    let bytes = 0;
    for (const e of old) {
      tx.delete(logEvents, e.key);
      bytes += Buffer.byteLength(e.value.message);
    }
    if (old.length) uncount(tx, bytes);
    return old.length;
  });
}
