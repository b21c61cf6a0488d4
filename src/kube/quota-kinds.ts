import { z } from 'zod';
import { VERBS, type KindDef } from './kind-def.js';
import type { KubeObject } from './meta.js';
import { invalidValue, subdomainProblem, type Cause } from './names.js';
import { parseQuantity } from './quantity.js';
import { typeMeta } from './schemas.js';

/**
 * ResourceQuota and LimitRange (core/v1): what a namespace may hold and the bounds and defaults of
 * its pods' and claims' resources, enforced when objects are written (resource-quota.ts,
 * limit-ranger.ts), as the API server's admission plugins enforce them.
 */
const quantity = z.union([z.string(), z.number()]);
const resources = z.record(z.string(), quantity);
const loose = z.record(z.string(), z.unknown());

export const QUOTA_SCOPES = [
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
] as const;
/** What a quota with scopes may track: its pods' resources and count only. */
const POD_RESOURCES = new Set([
  'pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
]);
/** The resources counted in whole objects (besides `count/<resource>`), and the core kind each counts. */
export const OBJECT_COUNTS: Readonly<Record<string, string>> = {
  pods: 'Pod',
  services: 'Service',
  'services.nodeports': 'Service',
  'services.loadbalancers': 'Service',
  secrets: 'Secret',
  configmaps: 'ConfigMap',
  replicationcontrollers: 'ReplicationController',
  resourcequotas: 'ResourceQuota',
  persistentvolumeclaims: 'PersistentVolumeClaim',
};
const counted = (k: string) => Object.hasOwn(OBJECT_COUNTS, k) || k.startsWith('count/');

export interface QuotaSpec {
  hard?: Record<string, string | number>;
  scopes?: string[];
  scopeSelector?: { matchExpressions?: { scopeName: string; operator: string; values?: string[] }[] };
}
export const quotaSpecOf = (o: KubeObject) => (o['spec'] ?? {}) as QuotaSpec;

function quantityCauses(field: string, value: string | number, integer: boolean): Cause[] {
  const v = parseQuantity(value);
  if (v === undefined)
    return [
      invalidValue(
        field,
        value,
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ),
    ];
  if (integer && !Number.isInteger(v)) return [invalidValue(field, value, 'must be an integer')];
  return [];
}

export const RESOURCE_QUOTA: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  verbs: VERBS,
  schema: z.strictObject({
    ...typeMeta,
    spec: z
      .strictObject({
        hard: resources.optional(),
        scopes: z.array(z.string()).optional(),
        scopeSelector: z
          .strictObject({
            matchExpressions: z
              .array(
                z.strictObject({
                  scopeName: z.string(),
                  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
                  values: z.array(z.string()).optional(),
                }),
              )
              .optional(),
          })
          .optional(),
      })
      .optional(),
    status: z.strictObject({ hard: resources.optional(), used: resources.optional() }).optional(),
  }),
  nameProblem: subdomainProblem,
  keepsStatus: true,
  validate(o) {
    const s = quotaSpecOf(o);
    const causes: Cause[] = [];
    for (const [k, v] of Object.entries(s.hard ?? {})) causes.push(...quantityCauses(`spec.hard[${k}]`, v, counted(k)));
    const scopes = [...(s.scopes ?? []), ...(s.scopeSelector?.matchExpressions ?? []).map((e) => e.scopeName)];
    (s.scopes ?? []).forEach((sc, i) => {
      if (!(QUOTA_SCOPES as readonly string[]).includes(sc))
        causes.push({
          field: `spec.scopes[${i}]`,
          message: `Unsupported value: ${JSON.stringify(sc)}: supported values: ${QUOTA_SCOPES.map((x) => `"${x}"`).join(', ')}`,
        });
    });
    for (const [a, b] of [
      ['Terminating', 'NotTerminating'],
      ['BestEffort', 'NotBestEffort'],
    ])
      if (scopes.includes(a as string) && scopes.includes(b as string))
        causes.push(invalidValue('spec.scopes', scopes, 'conflicting scopes'));
    if (scopes.length)
      for (const k of Object.keys(s.hard ?? {}))
        if (!POD_RESOURCES.has(k) || (scopes.includes('BestEffort') && k !== 'pods'))
          causes.push(invalidValue(`spec.hard[${k}]`, k, 'unsupported scope applied to resource'));
    return causes;
  },
  selectableFields: {},
};

export interface LimitRangeItem {
  type?: string;
  max?: Record<string, string | number>;
  min?: Record<string, string | number>;
  default?: Record<string, string | number>;
  defaultRequest?: Record<string, string | number>;
  maxLimitRequestRatio?: Record<string, string | number>;
}
export const limitItemsOf = (o: KubeObject) =>
  ((o['spec'] as { limits?: LimitRangeItem[] } | undefined)?.limits ?? []) as LimitRangeItem[];

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];

/** min ≤ defaultRequest ≤ default ≤ max for each resource, as the API server checks a LimitRange. */
function itemCauses(item: LimitRangeItem, at: string): Cause[] {
  const causes: Cause[] = [];
  if (!item.type) causes.push({ field: `${at}.type`, message: 'Required value' });
  else if (!LIMIT_TYPES.includes(item.type))
    causes.push({
      field: `${at}.type`,
      message: `Unsupported value: ${JSON.stringify(item.type)}: supported values: ${LIMIT_TYPES.map((t) => `"${t}"`).join(', ')}`,
    });
  if (item.type === 'Pod')
    for (const f of ['default', 'defaultRequest'] as const)
      if (Object.keys(item[f] ?? {}).length)
        causes.push({ field: `${at}.${f}`, message: "Forbidden: may not be specified when `type` is 'Pod'" });
  for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const)
    for (const [k, v] of Object.entries(item[f] ?? {})) {
      const q = parseQuantity(v);
      if (q === undefined) causes.push(...quantityCauses(`${at}.${f}[${k}]`, v, false));
    }
  const val = (f: keyof Omit<LimitRangeItem, 'type'>, k: string) => {
    const v = item[f]?.[k];
    return v === undefined ? undefined : parseQuantity(v);
  };
  const keys = new Set(
    (['max', 'min', 'default', 'defaultRequest'] as const).flatMap((f) => Object.keys(item[f] ?? {})),
  );
  for (const k of keys) {
    const [min, max, def, req] = [val('min', k), val('max', k), val('default', k), val('defaultRequest', k)];
    const bad = (f: string, v: unknown, why: string) => causes.push(invalidValue(`${at}.${f}[${k}]`, v, why));
    if (min !== undefined && max !== undefined && min > max)
      bad('min', item.min?.[k], `min value ${item.min?.[k]} is greater than max value ${item.max?.[k]}`);
    if (req !== undefined && min !== undefined && req < min)
      bad(
        'defaultRequest',
        item.defaultRequest?.[k],
        `min value ${item.min?.[k]} is greater than default request value ${item.defaultRequest?.[k]}`,
      );
    if (req !== undefined && max !== undefined && req > max)
      bad(
        'defaultRequest',
        item.defaultRequest?.[k],
        `default request value ${item.defaultRequest?.[k]} is greater than max value ${item.max?.[k]}`,
      );
    if (req !== undefined && def !== undefined && req > def)
      bad(
        'defaultRequest',
        item.defaultRequest?.[k],
        `default request value ${item.defaultRequest?.[k]} is greater than default limit value ${item.default?.[k]}`,
      );
    if (def !== undefined && min !== undefined && def < min)
      bad(
        'default',
        item.default?.[k],
        `min value ${item.min?.[k]} is greater than default value ${item.default?.[k]}`,
      );
    if (def !== undefined && max !== undefined && def > max)
      bad(
        'default',
        item.default?.[k],
        `default value ${item.default?.[k]} is greater than max value ${item.max?.[k]}`,
      );
  }
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {}))
    if ((parseQuantity(v) ?? 1) < 1)
      causes.push(invalidValue(`${at}.maxLimitRequestRatio[${k}]`, v, `ratio ${v} is less than 1`));
  return causes;
}

export const LIMIT_RANGE: KindDef = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  verbs: VERBS,
  schema: z.strictObject({
    ...typeMeta,
    spec: z
      .strictObject({
        limits: z.array(
          z.strictObject({
            type: z.string().optional(),
            max: resources.optional(),
            min: resources.optional(),
            default: resources.optional(),
            defaultRequest: resources.optional(),
            maxLimitRequestRatio: resources.optional(),
          }),
        ),
      })
      .optional(),
    status: loose.optional(),
  }),
  nameProblem: subdomainProblem,
  // The API server's defaults for a Container item: the default limit from max, the default
  // request from the default limit, else from min.
  normalize(o) {
    for (const item of limitItemsOf(o)) {
      if (item.type !== 'Container') continue;
      const def = { ...(item.max ?? {}), ...(item.default ?? {}) };
      const req = { ...(item.min ?? {}), ...def, ...(item.defaultRequest ?? {}) };
      if (Object.keys(def).length) item.default = def;
      if (Object.keys(req).length) item.defaultRequest = req;
    }
  },
  validate(o) {
    const spec = o['spec'] as { limits?: unknown } | undefined;
    if (!spec || !Array.isArray(spec.limits)) return [{ field: 'spec.limits', message: 'Required value' }];
    return limitItemsOf(o).flatMap((item, i) => itemCauses(item, `spec.limits[${i}]`));
  },
  selectableFields: {},
};
