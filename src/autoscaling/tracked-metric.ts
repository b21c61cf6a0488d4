import { invalidParameter } from '../kernel/index.js';
import { checkAlarmMetrics, type MetricDataQuery, type MetricsDeps } from '../metrics/index.js';
import type { PolicyRecord, TrackingQuery } from './tables.js';

const ECS_METRICS: Record<string, string> = {
  ECSServiceAverageCPUUtilization: 'CPUUtilization',
  ECSServiceAverageMemoryUtilization: 'MemoryUtilization',
};

/** The metric a predefined metric type tracks for an ECS service, as AWS's alarms for it name it. */
function predefinedMetric(
  resourceId: string,
  spec: { PredefinedMetricType: string; ResourceLabel?: string } | undefined,
) {
  const type = spec?.PredefinedMetricType;
  const field = 'TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification';
  const ecs = type ? ECS_METRICS[type] : undefined;
  if (ecs) {
    const [, cluster, service] = resourceId.split('/');
    return {
      Namespace: 'AWS/ECS',
      MetricName: ecs,
      Dimensions: [
        { Name: 'ClusterName', Value: cluster as string },
        { Name: 'ServiceName', Value: service as string },
      ],
      Statistic: 'Average',
      Unit: 'Percent',
    };
  }
  if (type === 'ALBRequestCountPerTarget') {
    // ResourceLabel: app/<load balancer>/<id>/targetgroup/<target group>/<id>.
    const m = /^(app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16})\/(targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16})$/.exec(
      spec?.ResourceLabel ?? '',
    );
    if (!m)
      throw invalidParameter(
        'ResourceLabel must be app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id> for ALBRequestCountPerTarget',
        { field: `${field}.ResourceLabel` },
      );
    return {
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'RequestCountPerTarget',
      Dimensions: [
        { Name: 'TargetGroup', Value: m[2] as string },
        { Name: 'LoadBalancer', Value: m[1] as string },
      ],
      Statistic: 'Sum',
    };
  }
  throw invalidParameter(`Unsupported predefined metric type for ecs: ${type ?? '(none)'}`, { field });
}

const STATISTICS = ['Average', 'Minimum', 'Maximum', 'SampleCount', 'Sum'];

/** A tracking query as an alarm's query: its metric read at the alarms' period. */
const atPeriod = (q: TrackingQuery, period: number): MetricDataQuery => {
  const { MetricStat: stat, ...rest } = q;
  return stat ? { ...rest, MetricStat: { ...stat, Period: period } } : rest;
};

/**
 * A customized metric: any CloudWatch metric, by namespace, name, dimensions and statistic, or
 * metric math over several (the queries checked as an alarm's are, since the alarms will run them).
 */
function customizedMetric(deps: MetricsDeps, spec: CustomizedMetric, period: number) {
  const prefix = 'TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification';
  const field = (f: string) => ({ field: `${prefix}${f}` });
  if (spec.Metrics?.length) {
    for (const f of ['MetricName', 'Namespace', 'Dimensions', 'Statistic', 'Unit'] as const)
      if (spec[f] !== undefined)
        throw invalidParameter(`${f} cannot be given with Metrics in a customized metric specification`, {
          ...field(`.${f}`),
          reason: 'parameter-combination',
        });
    // The queries as the alarms will run them, checked as an alarm's are.
    const metrics = spec.Metrics.map((q) => atPeriod(q, period));
    checkAlarmMetrics(deps, metrics, `${prefix}.Metrics.member`);
    return { Metrics: metrics };
  }
  if (!spec.MetricName)
    throw invalidParameter('MetricName is required in a customized metric specification', field('.MetricName'));
  if (!spec.Namespace)
    throw invalidParameter('Namespace is required in a customized metric specification', field('.Namespace'));
  if (!spec.Statistic || !STATISTICS.includes(spec.Statistic))
    throw invalidParameter(`Statistic must be one of ${STATISTICS.join(', ')}`, field('.Statistic'));
  return {
    Namespace: spec.Namespace,
    MetricName: spec.MetricName,
    Dimensions: (spec.Dimensions ?? []).map((d) => ({ Name: d.Name, Value: d.Value })),
    Statistic: spec.Statistic,
    ...(spec.Unit ? { Unit: spec.Unit } : {}),
  };
}

export type CustomizedMetric = NonNullable<
  NonNullable<PolicyRecord['TargetTrackingScalingPolicyConfiguration']>['CustomizedMetricSpecification']
>;

/** The metric a target tracking policy follows: exactly one of a predefined and a customized one. */
export function trackedMetric(
  deps: MetricsDeps,
  resourceId: string,
  cfg: NonNullable<PolicyRecord['TargetTrackingScalingPolicyConfiguration']>,
  period: number,
) {
  if (cfg.PredefinedMetricSpecification && cfg.CustomizedMetricSpecification)
    throw invalidParameter('Specify either a predefined or a customized metric specification, not both', {
      field: 'TargetTrackingScalingPolicyConfiguration',
    });
  return cfg.CustomizedMetricSpecification
    ? customizedMetric(deps, cfg.CustomizedMetricSpecification, period)
    : predefinedMetric(resourceId, cfg.PredefinedMetricSpecification);
}
