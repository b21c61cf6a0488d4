import { randomUUID } from 'node:crypto';
import { alreadyExists, invalidParameter, notFound } from '../kernel/index.js';
import { now, streamArn, type LogsDeps } from './deps.js';
import { getLogGroup } from './groups.js';
import {
  eventPrefix,
  logEvents,
  logGroups,
  logStreams,
  streamKey,
  streamPrefix,
  type LogStreamRecord,
} from './tables.js';

export const streamMissing = () => notFound('The specified log stream does not exist.', { resource: 'log-stream' });

/** A new, empty log stream's record. */
export const newStream = (deps: LogsDeps, group: string, name: string): LogStreamRecord => ({
  group,
  name,
  arn: streamArn(deps, group, name),
  createdAt: now(deps),
  uid: randomUUID(),
  storedBytes: 0,
  nextSeq: 0,
  sources: {},
});

export async function createLogStream(deps: LogsDeps, group: string, name: string): Promise<LogStreamRecord> {
  if (/[:*]/.test(name)) {
    throw invalidParameter("Log stream names cannot contain ':' or '*'.", { field: 'logStreamName' });
  }
  return await deps.store.transact((tx) => {
    if (!tx.get(logGroups, group)) {
      throw notFound('The specified log group does not exist.');
    }
    if (tx.get(logStreams, streamKey(group, name))) {
      throw alreadyExists('The specified log stream already exists');
    }
    return tx.put(logStreams, newStream(deps, group, name)).value;
  });
}

export async function deleteLogStream(deps: LogsDeps, group: string, name: string): Promise<void> {
  await deps.store.transact((tx) => {
    if (!tx.get(logStreams, streamKey(group, name))) throw streamMissing();
    for (const e of tx.list(logEvents, { prefix: eventPrefix(group, name) })) tx.delete(logEvents, e.key);
    tx.delete(logStreams, streamKey(group, name));
  });
}

export function describeLogStreams(
  deps: LogsDeps,
  q: { logGroupName: string; logStreamNamePrefix?: string; orderBy?: string; descending?: boolean },
): LogStreamRecord[] {
  getLogGroup(deps, q.logGroupName);
  if (q.orderBy === 'LastEventTime' && q.logStreamNamePrefix) {
    throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.', { field: 'orderBy' });
  }
  const list = deps.store
    .read((tx) => tx.list(logStreams, { prefix: streamPrefix(q.logGroupName) + (q.logStreamNamePrefix ?? '') }))
    .map((e) => e.value);
  if (q.orderBy === 'LastEventTime') list.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0));
  return q.descending ? list.reverse() : list;
}

/**
 * A group's stored bytes: the sum over its streams (as CloudWatch Logs reports it for groups; for
 * streams it reports 0, the field being deprecated there).
 */
export function groupStoredBytes(deps: LogsDeps, group: string): number {
  return deps.store
    .read((tx) => tx.list(logStreams, { prefix: streamPrefix(group) }))
    .reduce((n, e) => n + e.value.storedBytes, 0);
}
