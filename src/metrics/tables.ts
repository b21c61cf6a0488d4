import { defineTable } from '../store/index.js';

/** A metric's dimension, as CloudWatch names it. */
export interface Dimension {
  Name: string;
  Value: string;
}

/**
 * One metric: a namespace, a name and a set of dimensions (sorted by name; two metrics that
 * differ in any dimension are different metrics, as in CloudWatch).
 */
export interface SeriesRecord {
  key: string;
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  /** When data was last put (ms): ListMetrics' RecentlyActive. */
  lastPutAt: number;
}

/**
 * Data put at one time: single values (with their counts), a statistic set, or — once rolled up —
 * both, in one unit. High-resolution data keeps its second; standard data is kept by the minute,
 * as CloudWatch stores it.
 */
export interface Point {
  at: number;
  values?: number[];
  counts?: number[];
  stats?: { sampleCount: number; sum: number; min: number; max: number };
  unit?: string;
}

/**
 * A series' points within one hour-long window (`from`), in time order: what the head writes when
 * it flushes (one chunk per series and window it holds), and what rollups rewrite.
 */
/**
 * Points in columns, as chunks and the ingest log store them: a point as an object of its own
 * was three times the JSON (its field names repeated), and writing that JSON was most of the cost
 * of a flush. Columns that no point uses are left out.
 */
export interface PackedPoints {
  at: number[];
  /** A point's single value, its values (their counts in `c`), or null for a statistic set alone. */
  v: (number | number[] | null)[];
  c?: (number[] | null)[];
  /** Statistic sets: sample count, sum, minimum, maximum. */
  s?: ([number, number, number, number] | null)[];
  u?: (string | null)[];
}

export interface ChunkRecord {
  key: string;
  from: number;
  points: PackedPoints;
}

/** One PutMetricData call's points, kept until the head flushes them into chunks (the head's log). */
export interface IngestRecord {
  key: string;
  /** The call's series, and for each point the index of its series there. */
  series: string[];
  index: number[];
  points: PackedPoints;
}

/** How far a rollup tier has gone (ms): windows before it are rolled up. */
export interface RollupMark {
  key: string;
  upTo: number;
}

/** A legacy point row: one datum a row (data dirs written before chunks); read once, into chunks. */
export interface PointRecord extends Point {
  key: string;
}

const part = (s: string) => encodeURIComponent(s);

/** A series' key: namespace, name and dimensions, each escaped so that `/` only separates. */
export function seriesKey(namespace: string, metricName: string, dimensions: readonly Dimension[]): string {
  const dims = dimensions.map((d) => `${part(d.Name)}=${part(d.Value)}`).join('&');
  return `${part(namespace)}/${part(metricName)}/${dims}`;
}

/** Every metric's key starts with its namespace's. */
export const namespacePrefix = (namespace: string) => `${part(namespace)}/`;
export const metricPrefix = (namespace: string, metricName: string) => `${part(namespace)}/${part(metricName)}/`;

export const timeKey = (at: number) => String(at).padStart(15, '0');
/** A chunk's window: an hour. */
export const WINDOW_MS = 3_600_000;
export const windowOf = (at: number) => Math.floor(at / WINDOW_MS) * WINDOW_MS;
/** A chunk's key: its series', then its window and an id of its own (flushes add chunks to a window). */
export const chunkKey = (series: string, from: number, id: string) => `${series}/${timeKey(from)}/${id}`;

export const series = defineTable<SeriesRecord>('metrics.series', (s) => s.key);
// Bulk data nobody watches: neither logged for watchers nor counted as revisions.
export const chunks = defineTable<ChunkRecord>('metrics.chunks', (c) => c.key, { history: false, writeOnly: true });
export const ingestLog = defineTable<IngestRecord>('metrics.ingest', (r) => r.key, { history: false, writeOnly: true });
export const rollupMarks = defineTable<RollupMark>('metrics.rollups', (m) => m.key, { history: false });
export const legacyPoints = defineTable<PointRecord>('metrics.points', (p) => p.key, { history: false });
