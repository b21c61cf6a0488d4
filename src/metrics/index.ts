/** The metrics module's public face: CloudWatch metrics, metric math, alarms and retention. */
export * from './deps.js';
export * from './put.js';
export * from './queries.js';
export { checkQueries, runQueries, type QueryResult } from './query-set.js';
export { metricStatistics, percentileOf, type Datapoint, type MetricQuery } from './statistics.js';
export type { Dimension, SeriesRecord } from './tables.js';
export * from './alarms.js';
export * from './alarm-definition.js';
export { rollUpMetrics } from './rollup.js';
export { convertLegacyPoints } from './head.js';
export * from './alarm-queries.js';
export * from './composite-alarms.js';
