import { z } from 'zod';
import { VERBS, type KindDef } from './kind-def.js';
import type { LabelSelectorSpec } from './label-selector.js';
import { invalidValue, subdomainProblem, type Cause } from './names.js';
import type { KubeObject } from './object.js';
import { typeMeta } from './schemas.js';

/** PodDisruptionBudget (policy/v1): how many of a set of pods may be disrupted at once (disruption.ts). */
const intOrString = z.union([z.string(), z.number().int()]);

export interface BudgetSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector?: LabelSelectorSpec;
}
export const budgetSpecOf = (o: KubeObject) => (o['spec'] ?? {}) as BudgetSpec;

function amountCauses(field: string, v: number | string | undefined): Cause[] {
  if (v === undefined) return [];
  if (typeof v === 'number') return v < 0 ? [invalidValue(field, v, 'must be greater than or equal to 0')] : [];
  const m = /^(\d{1,3})%$/.exec(v);
  return m && Number(m[1]) <= 100
    ? []
    : [
        invalidValue(
          field,
          v,
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ),
      ];
}

export const POD_DISRUPTION_BUDGET: KindDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  verbs: VERBS,
  schema: z
    .object({
      ...typeMeta,
      spec: z
        .object({
          minAvailable: intOrString.optional(),
          maxUnavailable: intOrString.optional(),
          selector: z.object({}).passthrough().optional(),
          unhealthyPodEvictionPolicy: z.enum(['IfHealthyBudget', 'AlwaysAllow']).optional(),
        })
        .strict(),
      status: z.object({}).passthrough().optional(),
    })
    .strict(),
  nameProblem: subdomainProblem,
  keepsStatus: true,
  generation: true,
  validate(o) {
    const s = budgetSpecOf(o);
    const causes = [
      ...amountCauses('spec.minAvailable', s.minAvailable),
      ...amountCauses('spec.maxUnavailable', s.maxUnavailable),
    ];
    if (s.minAvailable !== undefined && s.maxUnavailable !== undefined)
      causes.push({ field: 'spec', message: 'Invalid value: minAvailable and maxUnavailable cannot be both set' });
    return causes;
  },
};
