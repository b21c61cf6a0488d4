import { defineTable } from '../store/index.js';

export interface LogGroupRecord {
  name: string;
  arn: string;
  createdAt: number;
  retentionInDays?: number;
  tags: Record<string, string>;
  logGroupClass: string;
  /** Kept as given and shown back (berth encrypts nothing with it). */
  kmsKeyId?: string;
}

export interface LogStreamRecord {
  group: string;
  name: string;
  arn: string;
  createdAt: number;
  /** Names this incarnation of the stream: event files key its events by it. */
  uid?: string;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  storedBytes: number;
  /** The next event's sequence number within the stream (orders events with equal timestamps). */
  nextSeq: number;
  /**
   * Per shipping source (a container's log file), how far it has been ingested: a batch the
   * agent sends again after a lost acknowledgement is recognised and not stored twice.
   */
  sources: Record<string, number>;
}

export interface LogEventRecord {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export const SEP = '\u0001';
export const streamKey = (group: string, stream: string) => `${group}${SEP}${stream}`;
export const streamPrefix = (group: string) => `${group}${SEP}`;
/** Events sort by time, then arrival: `<group>␁<stream>␁<15-digit ms>␁<10-digit seq>`. */
export const eventPosition = (timestamp: number, seq: number) =>
  `${String(Math.max(0, timestamp)).padStart(15, '0')}${SEP}${String(seq).padStart(10, '0')}`;
export const eventPrefix = (group: string, stream: string) => `${streamKey(group, stream)}${SEP}`;

export const logGroups = defineTable<LogGroupRecord>('logs.groups', (g) => g.name);
export const logStreams = defineTable<LogStreamRecord>('logs.streams', (s) => streamKey(s.group, s.name));
/** Events are bulk data: kept out of the watchable history. */
export const logEvents = defineTable<LogEventRecord & { key: string }>('logs.events', (e) => e.key, {
  history: false,
});
