import { invalidParameter, notFound, notImplemented, uuid } from '../kernel/index.js';
import { deleteAlarms, describeAlarms, putMetricAlarm } from '../metrics/index.js';
import type { AutoscalingDeps } from './deps.js';
import { checkStepConfiguration } from './step-scaling.js';
import { trackedMetric } from './tracked-metric.js';
import { policies, targetKey, targets, type PolicyRecord, type StepScalingConfiguration } from './tables.js';

export interface PolicyInput {
  PolicyName: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  PolicyType?: string;
  StepScalingPolicyConfiguration?: StepScalingConfiguration;
  TargetTrackingScalingPolicyConfiguration?: PolicyRecord['TargetTrackingScalingPolicyConfiguration'];
}

/**
 * PutScalingPolicy, target tracking on an ECS service's average CPU or memory: the policy and the
 * two alarms AWS makes for it — AlarmHigh (3 periods above the target: scale out) and AlarmLow
 * (15 periods under 90 % of it: scale in) — named `TargetTracking-<resource>-AlarmHigh-<uuid>`.
 */
export async function putScalingPolicy(deps: AutoscalingDeps, input: PolicyInput): Promise<PolicyRecord> {
  const type = input.PolicyType ?? 'StepScaling';
  if (type === 'StepScaling') return putStepPolicy(deps, input);
  if (type !== 'TargetTrackingScaling') throw notImplemented(`${type} policies`);
  const cfg = input.TargetTrackingScalingPolicyConfiguration;
  if (!cfg)
    throw invalidParameter('TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy', {
      field: 'TargetTrackingScalingPolicyConfiguration',
    });
  const period = deps.alarmPeriodSec ?? 60;
  const metric = trackedMetric(deps, input.ResourceId, cfg, period);
  // Metric math comes with each metric at the period already; a single metric takes it here.
  const watched = 'Metrics' in metric ? metric : { ...metric, Period: period };
  const { arn, base } = await policySlot(deps, input);
  const alarm = async (kind: 'High' | 'Low') => {
    const name = `TargetTracking-${input.ResourceId}-Alarm${kind}-${uuid()}`;
    await putMetricAlarm(deps, {
      AlarmName: name,
      AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${arn}.`,
      AlarmActions: [arn],
      ...watched,
      EvaluationPeriods: kind === 'High' ? 3 : 15,
      Threshold: kind === 'High' ? cfg.TargetValue : Math.round(cfg.TargetValue * 0.9 * 1000) / 1000,
      ComparisonOperator: kind === 'High' ? 'GreaterThanThreshold' : 'LessThanThreshold',
    });
    return { AlarmName: name, AlarmARN: `arn:aws:cloudwatch:${deps.region}:${deps.accountId}:alarm:${name}` };
  };
  const rec: PolicyRecord = {
    ...base,
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: cfg.TargetValue,
      ...(cfg.PredefinedMetricSpecification
        ? {
            PredefinedMetricSpecification: {
              PredefinedMetricType: cfg.PredefinedMetricSpecification.PredefinedMetricType,
              ...(cfg.PredefinedMetricSpecification.ResourceLabel
                ? { ResourceLabel: cfg.PredefinedMetricSpecification.ResourceLabel }
                : {}),
            },
          }
        : { CustomizedMetricSpecification: cfg.CustomizedMetricSpecification }),
      ...(cfg.ScaleOutCooldown !== undefined ? { ScaleOutCooldown: cfg.ScaleOutCooldown } : {}),
      ...(cfg.ScaleInCooldown !== undefined ? { ScaleInCooldown: cfg.ScaleInCooldown } : {}),
      ...(cfg.DisableScaleIn !== undefined ? { DisableScaleIn: cfg.DisableScaleIn } : {}),
    },
    // A policy that scales in never has no low alarm.
    Alarms: cfg.DisableScaleIn ? [await alarm('High')] : [await alarm('High'), await alarm('Low')],
  };
  await deps.store.transact((tx) => tx.put(policies, rec));
  return rec;
}

/**
 * Where a policy goes: its scalable target must exist; a policy of the same name is replaced (its
 * alarms deleted) and keeps its ARN, as Application Auto Scaling keeps it.
 */
async function policySlot(deps: AutoscalingDeps, input: PolicyInput) {
  const key = targetKey(input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
  if (!deps.store.read((tx) => tx.get(targets, key)))
    throw notFound(
      `No scalable target registered for service namespace: ${input.ServiceNamespace}, resource ID: ${input.ResourceId}, scalable dimension: ${input.ScalableDimension}`,
      { resource: 'scalable-target' },
    );
  const was = deps.store.read((tx) => tx.get(policies, `${key}|${input.PolicyName}`)?.value);
  if (was) await deletePolicyAlarms(deps, was);
  const arn =
    was?.PolicyARN ??
    `arn:aws:autoscaling:${deps.region}:${deps.accountId}:scalingPolicy:${uuid()}:resource/ecs/${input.ResourceId}:policyName/${input.PolicyName}`;
  const base = {
    key: `${key}|${input.PolicyName}`,
    PolicyARN: arn,
    PolicyName: input.PolicyName,
    ServiceNamespace: input.ServiceNamespace,
    ResourceId: input.ResourceId,
    ScalableDimension: input.ScalableDimension,
    CreationTime: was?.CreationTime ?? deps.clock.now().getTime(),
  };
  return { arn, base };
}

/**
 * PutScalingPolicy, step scaling: the policy only — the alarms that call it are the user's
 * (`put-metric-alarm --alarm-actions <policy ARN>`), and each pass while one of them is in ALARM
 * applies the step its breach falls in, outside the policy's cooldown (default 300 s).
 */
async function putStepPolicy(deps: AutoscalingDeps, input: PolicyInput): Promise<PolicyRecord> {
  const cfg = checkStepConfiguration(input.StepScalingPolicyConfiguration);
  const { base } = await policySlot(deps, input);
  const rec: PolicyRecord = {
    ...base,
    PolicyType: 'StepScaling',
    StepScalingPolicyConfiguration: cfg,
    Alarms: [],
  };
  await deps.store.transact((tx) => tx.put(policies, rec));
  return rec;
}

export async function deletePolicyAlarms(deps: AutoscalingDeps, p: PolicyRecord): Promise<void> {
  const names = p.Alarms.map((a) => a.AlarmName);
  const present = new Set(describeAlarms(deps, { AlarmNames: names }).map((a) => a.AlarmName));
  const gone = names.filter((n) => present.has(n));
  if (gone.length > 0) await deleteAlarms(deps, gone);
}

export function describeScalingPolicies(
  deps: AutoscalingDeps,
  ns: string,
  resourceId?: string,
  names?: readonly string[],
): PolicyRecord[] {
  return deps.store
    .read((tx) => tx.list(policies, { prefix: `${ns}|` }))
    .map((e) => e.value)
    .filter((p) => (!resourceId || p.ResourceId === resourceId) && (!names?.length || names.includes(p.PolicyName)));
}

export async function deleteScalingPolicy(
  deps: AutoscalingDeps,
  name: string,
  ns: string,
  resourceId: string,
  dimension: string,
): Promise<void> {
  const key = `${targetKey(ns, resourceId, dimension)}|${name}`;
  const p = await deps.store.transact((tx) => {
    const cur = tx.get(policies, key)?.value;
    if (!cur)
      throw notFound(
        `No scaling policy found for service namespace: ${ns}, resource ID: ${resourceId}, scalable dimension: ${dimension}, policy name: ${name}`,
        { resource: 'scaling-policy' },
      );
    tx.delete(policies, key);
    return cur;
  });
  await deletePolicyAlarms(deps, p);
}

/** DeregisterScalableTarget: its policies (and their alarms) go with it. */
export async function deregisterScalableTarget(
  deps: AutoscalingDeps,
  ns: string,
  resourceId: string,
  dimension: string,
): Promise<void> {
  const key = targetKey(ns, resourceId, dimension);
  const gone = await deps.store.transact((tx) => {
    if (!tx.get(targets, key))
      throw notFound(
        `No scalable target registered for service namespace: ${ns}, resource ID: ${resourceId}, scalable dimension: ${dimension}`,
        { resource: 'scalable-target' },
      );
    tx.delete(targets, key);
    const ps = tx.list(policies, { prefix: `${key}|` }).map((e) => e.value);
    for (const p of ps) tx.delete(policies, p.key);
    return ps;
  });
  for (const p of gone) await deletePolicyAlarms(deps, p);
}
