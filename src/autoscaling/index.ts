/** Application Auto Scaling of ECS services' desired counts, by CloudWatch alarms (the metrics module). */
export * from './deps.js';
export * from './policies.js';
export * from './scaler.js';
export * from './targets.js';
export * from './scheduled.js';
export type { ActivityRecord, PolicyRecord, TargetRecord } from './tables.js';
