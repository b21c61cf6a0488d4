import type { MetricsDeps } from '../metrics/index.js';

/** What scaling an ECS service needs of the ECS face: its desired count, read and set. */
export interface ServiceScaler {
  /** `service/<cluster>/<service>` → its desired count; undefined for no such service. */
  desiredCount(resourceId: string): number | undefined;
  setDesiredCount(resourceId: string, count: number): Promise<void>;
}

export interface AutoscalingDeps extends MetricsDeps {
  ecs: ServiceScaler;
  /**
   * The period of the alarms a target-tracking policy makes (s): 60, as AWS makes them; shorter
   * only to watch scaling happen in tests.
   */
  alarmPeriodSec?: number;
}

export const nowMs = (deps: AutoscalingDeps) => deps.clock.now().getTime();
