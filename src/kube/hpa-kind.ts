import { z } from 'zod';
import { VERBS, type KindDef } from './kind-def.js';
import { metaOf, type KubeObject } from './meta.js';
import { invalidValue, notImplemented, subdomainProblem, type Cause } from './names.js';
import { typeMeta } from './schemas.js';

/**
 * HorizontalPodAutoscaler, stored as autoscaling/v2 and served as v2 and v1 (kubectl 1.32's
 * `autoscale` sends v1): v1's targetCPUUtilizationPercentage is v2's CPU utilization metric,
 * and a v1 write keeps the v2 metrics and behavior it cannot say.
 */
export interface MetricTarget {
  type: 'Utilization' | 'AverageValue' | 'Value';
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}
export interface MetricSpec {
  type: string;
  resource?: { name: string; target: MetricTarget };
}
export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }[];
}
export interface HpaSpec {
  scaleTargetRef: { apiVersion?: string; kind: string; name: string };
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: { scaleUp?: ScalingRules; scaleDown?: ScalingRules };
}

export const hpaSpecOf = (o: KubeObject) => (o['spec'] ?? {}) as HpaSpec;

const int = z.number().int();
const quantity = z.union([z.string(), z.number()]);
const loose = z.record(z.string(), z.unknown());
const targetRef = z.strictObject({ apiVersion: z.string().optional(), kind: z.string(), name: z.string() });
const target = z.strictObject({
  type: z.enum(['Utilization', 'AverageValue', 'Value']),
  averageUtilization: int.optional(),
  averageValue: quantity.optional(),
  value: quantity.optional(),
});
const rules = z.strictObject({
  stabilizationWindowSeconds: int.optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(z.strictObject({ type: z.enum(['Pods', 'Percent']), value: int, periodSeconds: int })).optional(),
  tolerance: quantity.optional(),
});

const v2Schema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({
    scaleTargetRef: targetRef,
    minReplicas: int.optional(),
    maxReplicas: int,
    metrics: z
      .array(
        z.strictObject({
          type: z.enum(['Resource', 'ContainerResource', 'Pods', 'Object', 'External']),
          resource: z.strictObject({ name: z.string(), target }).optional(),
          containerResource: loose.optional(),
          pods: loose.optional(),
          object: loose.optional(),
          external: loose.optional(),
        }),
      )
      .optional(),
    behavior: z.strictObject({ scaleUp: rules.optional(), scaleDown: rules.optional() }).optional(),
  }),
  status: loose.optional(),
});

const v1Schema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({
    scaleTargetRef: targetRef,
    minReplicas: int.optional(),
    maxReplicas: int,
    targetCPUUtilizationPercentage: int.optional(),
  }),
  status: loose.optional(),
});

const SCALABLE = ['Deployment', 'ReplicaSet', 'StatefulSet'];

function hpaCauses(o: KubeObject): Cause[] {
  const s = hpaSpecOf(o);
  const causes: Cause[] = [];
  if ((s.minReplicas ?? 1) < 1)
    causes.push(invalidValue('spec.minReplicas', s.minReplicas, 'must be greater than or equal to 1'));
  if (s.maxReplicas < (s.minReplicas ?? 1))
    causes.push(invalidValue('spec.maxReplicas', s.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  if (!SCALABLE.includes(s.scaleTargetRef?.kind))
    causes.push(notImplemented('spec.scaleTargetRef.kind', `autoscaling a ${s.scaleTargetRef?.kind}`));
  for (const [i, m] of (s.metrics ?? []).entries()) {
    const f = `spec.metrics[${i}]`;
    if (m.type !== 'Resource') causes.push(notImplemented(`${f}.type`, `${m.type} metrics`));
    else if (!m.resource)
      causes.push({
        field: `${f}.resource`,
        message: 'Required value: must populate information for the given metric source',
      });
    else {
      if (m.resource.name !== 'cpu' && m.resource.name !== 'memory')
        causes.push(notImplemented(`${f}.resource.name`, `the ${m.resource.name} resource`));
      const t = m.resource.target;
      if (t.type === 'Utilization' && !(t.averageUtilization && t.averageUtilization > 0))
        causes.push(
          invalidValue(`${f}.resource.target.averageUtilization`, t.averageUtilization, 'must be greater than 0'),
        );
      if (t.type === 'Value')
        causes.push(notImplemented(`${f}.resource.target.type`, 'Value targets for resource metrics'));
    }
  }
  return causes;
}

/** The API server's defaults: one replica at least, CPU at 80% when no metric is named, the default behavior. */
function defaultHpa(o: KubeObject): void {
  const s = hpaSpecOf(o);
  s.minReplicas ??= 1;
  if (!s.metrics?.length)
    s.metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
    ];
  s.behavior ??= {};
  s.behavior.scaleUp ??= {};
  s.behavior.scaleUp.stabilizationWindowSeconds ??= 0;
  s.behavior.scaleUp.selectPolicy ??= 'Max';
  s.behavior.scaleUp.policies ??= [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ];
  s.behavior.scaleDown ??= {};
  s.behavior.scaleDown.stabilizationWindowSeconds ??= 300;
  s.behavior.scaleDown.selectPolicy ??= 'Max';
  s.behavior.scaleDown.policies ??= [{ type: 'Percent', value: 100, periodSeconds: 15 }];
}

const hpaBase = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  verbs: VERBS,
  nameProblem: subdomainProblem,
  keepsStatus: true,
  generation: true,
};

export const HPA: KindDef = {
  ...hpaBase,
  // (The category on one version only: `kubectl get all` lists each resource once.)
  categories: ['all'],
  version: 'v2',
  schema: v2Schema,
  normalize: defaultHpa,
  validate: hpaCauses,
};

const cpuUtilization = (s: HpaSpec) =>
  (s.metrics ?? []).find(
    (m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization',
  )?.resource?.target.averageUtilization;

export const HPA_V1: KindDef = {
  ...hpaBase,
  version: 'v1',
  schema: v1Schema,
  storedAs: HPA,
  fromStored(o) {
    const s = hpaSpecOf(o);
    const st = (o['status'] ?? {}) as {
      currentMetrics?: { type: string; resource?: { name: string; current?: { averageUtilization?: number } } }[];
    } & Record<string, unknown>;
    const cpu = cpuUtilization(s);
    const current = (st.currentMetrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource
      ?.current?.averageUtilization;
    const { currentMetrics: _m, conditions: _c, ...status } = st;
    return {
      ...o,
      spec: {
        scaleTargetRef: s.scaleTargetRef,
        ...(s.minReplicas !== undefined ? { minReplicas: s.minReplicas } : {}),
        maxReplicas: s.maxReplicas,
        ...(cpu !== undefined ? { targetCPUUtilizationPercentage: cpu } : {}),
      },
      status: { ...status, ...(current !== undefined ? { currentCPUUtilizationPercentage: current } : {}) },
    };
  },
  toStored(body, prev) {
    const s = (body['spec'] ?? {}) as HpaSpec & { targetCPUUtilizationPercentage?: number };
    const before = prev ? hpaSpecOf(prev) : undefined;
    const { targetCPUUtilizationPercentage: cpu, ...rest } = s;
    const others = (before?.metrics ?? []).filter((m) => !(m.type === 'Resource' && m.resource?.name === 'cpu'));
    const metrics = [
      ...(cpu !== undefined
        ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } }]
        : []),
      ...others,
    ];
    const { status: _s, ...out } = body;
    return {
      ...out,
      spec: {
        ...rest,
        ...(metrics.length ? { metrics } : {}),
        ...(before?.behavior ? { behavior: before.behavior } : {}),
      },
    };
  },
};

/** `HPA` and `HPA_V1` name one resource: the key of an object of either. */
export const hpaName = (o: KubeObject) => `${metaOf(o).namespace ?? ''}/${metaOf(o).name ?? ''}`;
