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
 * Data put at one time: single values (with their counts) or a statistic set, in one unit.
 * High-resolution data keeps its second; standard data is kept by the minute, as CloudWatch
 * stores it.
 */
export interface PointRecord {
  key: string;
  at: number;
  values?: number[];
  counts?: number[];
  stats?: { sampleCount: number; sum: number; min: number; max: number };
  unit?: string;
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

/** A point's key: its series', then its time (zero-padded ms) and an id of its own (many points share a minute). */
export const pointKey = (series: string, at: number, id: string) => `${series}/${timeKey(at)}/${id}`;
export const timeKey = (at: number) => String(at).padStart(15, '0');

export const series = defineTable<SeriesRecord>('metrics.series', (s) => s.key);
// Bulk data nobody watches: neither logged for watchers nor counted as revisions.
export const points = defineTable<PointRecord>('metrics.points', (p) => p.key, { history: false });
