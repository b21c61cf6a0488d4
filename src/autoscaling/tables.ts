import { defineTable } from '../store/index.js';

export interface TargetRecord {
  key: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  MinCapacity: number;
  MaxCapacity: number;
  RoleARN: string;
  CreationTime: number;
  SuspendedState: {
    DynamicScalingInSuspended: boolean;
    DynamicScalingOutSuspended: boolean;
    ScheduledScalingSuspended: boolean;
  };
  ScalableTargetARN: string;
}

export interface PolicyRecord {
  key: string;
  PolicyARN: string;
  PolicyName: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  PolicyType: 'TargetTrackingScaling' | 'StepScaling';
  StepScalingPolicyConfiguration?: StepScalingConfiguration;
  TargetTrackingScalingPolicyConfiguration?: {
    TargetValue: number;
    PredefinedMetricSpecification?: { PredefinedMetricType: string; ResourceLabel?: string };
    CustomizedMetricSpecification?: {
      MetricName?: string;
      Namespace?: string;
      Dimensions?: { Name: string; Value: string }[];
      Statistic?: string;
      Unit?: string;
      /** Metric math: the queries, exactly one of them returned (TargetTrackingMetricDataQuery). */
      Metrics?: TrackingQuery[];
    };
    ScaleOutCooldown?: number;
    ScaleInCooldown?: number;
    DisableScaleIn?: boolean;
  };
  Alarms: { AlarmName: string; AlarmARN: string }[];
  CreationTime: number;
  /** When this policy last scaled out / in (ms): its cooldowns start there. */
  lastOutAt?: number;
  lastInAt?: number;
}

export interface StepScalingConfiguration {
  AdjustmentType: 'ChangeInCapacity' | 'PercentChangeInCapacity' | 'ExactCapacity';
  StepAdjustments: {
    MetricIntervalLowerBound?: number;
    MetricIntervalUpperBound?: number;
    ScalingAdjustment: number;
  }[];
  MinAdjustmentMagnitude?: number;
  Cooldown?: number;
  MetricAggregationType?: string;
}

export interface ActivityRecord {
  key: string;
  ActivityId: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  Description: string;
  Cause: string;
  StartTime: number;
  EndTime: number;
  StatusCode: 'Successful' | 'Failed';
  StatusMessage: string;
}

export const targetKey = (ns: string, resourceId: string, dimension: string) => `${ns}|${resourceId}|${dimension}`;
export const targets = defineTable<TargetRecord>('autoscaling.targets', (t) => t.key);
export const policies = defineTable<PolicyRecord>('autoscaling.policies', (p) => p.key);
// Newest last within a target: `<target key>|<time>|<id>`.
export const activities = defineTable<ActivityRecord>('autoscaling.activities', (a) => a.key, { history: false });

/** A target tracking policy's metric-math query: a MetricDataQuery whose metric has no Period of its own. */
export interface TrackingQuery {
  Id: string;
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  MetricStat?: {
    Metric: { Namespace?: string; MetricName?: string; Dimensions?: { Name: string; Value: string }[] };
    Stat: string;
    Unit?: string;
  };
}
