/**
 * One datum of a CloudWatch metric, as PutMetricData takes it: what a module that measures
 * something (ECS tasks, load balancers) hands the metrics module, which it does not import.
 */
export interface MetricDatum {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Value: number;
  Unit: string;
  Timestamp: Date;
  /** 1: kept by the second (high resolution); otherwise by the minute. */
  StorageResolution?: number;
}

/** Publishes data to a CloudWatch namespace. */
export type PublishMetrics = (namespace: string, data: MetricDatum[]) => Promise<void>;
