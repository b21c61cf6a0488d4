import { z } from 'zod';
import { labelSelectorSchema } from './apps-schema.js';
import { VERBS, type KindDef } from './kind-def.js';
import type { KubeObject } from './meta.js';
import { programOf } from './cel-rules.js';
import { invalidValue, qualifiedNameProblem, subdomainProblem, type Cause } from './names.js';
import { typeMeta } from './schemas.js';

/**
 * ValidatingWebhookConfiguration and MutatingWebhookConfiguration (admissionregistration.k8s.io/v1):
 * the admission webhooks the API server calls on writes (admission-webhooks.ts), checked and
 * defaulted as the API server checks and defaults them.
 */
export interface WebhookRule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}
export interface Webhook {
  name: string;
  clientConfig: {
    url?: string;
    service?: { namespace: string; name: string; path?: string; port?: number };
    caBundle?: string;
  };
  rules?: WebhookRule[];
  failurePolicy?: 'Fail' | 'Ignore';
  matchPolicy?: 'Exact' | 'Equivalent';
  namespaceSelector?: import('./label-selector.js').LabelSelectorSpec;
  objectSelector?: import('./label-selector.js').LabelSelectorSpec;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  reinvocationPolicy?: 'Never' | 'IfNeeded';
  matchConditions?: { name: string; expression: string }[];
}
export const webhooksOf = (o: KubeObject) => (o['webhooks'] ?? []) as Webhook[];

const OPERATIONS = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
const supported = (field: string, v: unknown, values: readonly string[]): Cause => ({
  field,
  message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${values.map((x) => `"${x}"`).join(', ')}`,
});

const webhookSchema = (mutating: boolean) =>
  z.strictObject({
    name: z.string(),
    clientConfig: z.strictObject({
      url: z.string().optional(),
      service: z
        .strictObject({
          namespace: z.string(),
          name: z.string(),
          path: z.string().optional(),
          port: z.number().int().optional(),
        })
        .optional(),
      caBundle: z.string().optional(),
    }),
    rules: z
      .array(
        z.strictObject({
          operations: z.array(z.string()).optional(),
          apiGroups: z.array(z.string()).optional(),
          apiVersions: z.array(z.string()).optional(),
          resources: z.array(z.string()).optional(),
          scope: z.string().optional(),
        }),
      )
      .optional(),
    failurePolicy: z.string().optional(),
    matchPolicy: z.string().optional(),
    namespaceSelector: labelSelectorSchema.optional(),
    objectSelector: labelSelectorSchema.optional(),
    sideEffects: z.string().nullable().optional(),
    timeoutSeconds: z.number().int().optional(),
    admissionReviewVersions: z.array(z.string()).optional(),
    matchConditions: z.array(z.strictObject({ name: z.string(), expression: z.string() })).optional(),
    ...(mutating ? { reinvocationPolicy: z.string().optional() } : {}),
  });

function webhookCauses(w: Webhook, at: string, mutating: boolean, names: Set<string>): Cause[] {
  const causes: Cause[] = [];
  if (!w.name) causes.push({ field: `${at}.name`, message: 'Required value' });
  else if (w.name.split('.').length < 3)
    causes.push(
      invalidValue(`${at}.name`, w.name, 'should be a domain with at least three segments separated by dots'),
    );
  else if (subdomainProblem(w.name))
    causes.push(invalidValue(`${at}.name`, w.name, subdomainProblem(w.name) as string));
  else if (names.has(w.name))
    causes.push({ field: `${at}.name`, message: `Duplicate value: ${JSON.stringify(w.name)}` });
  names.add(w.name);
  const cc = w.clientConfig ?? {};
  if (!cc.url === !cc.service)
    causes.push({ field: `${at}.clientConfig`, message: 'Required value: exactly one of url or service is required' });
  if (cc.url !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(cc.url);
    } catch {
      causes.push(invalidValue(`${at}.clientConfig.url`, cc.url, 'host must be specified'));
    }
    if (u && u.protocol !== 'https:')
      causes.push(invalidValue(`${at}.clientConfig.url`, cc.url, "'https' is the only allowed URL scheme"));
    if (u && (u.username || u.password))
      causes.push(invalidValue(`${at}.clientConfig.url`, cc.url, 'user information is not permitted in the URL'));
    if (u && (u.hash || u.search))
      causes.push(invalidValue(`${at}.clientConfig.url`, cc.url, 'fragments and query parameters are not permitted'));
  }
  const port = cc.service?.port;
  if (port !== undefined && (port < 1 || port > 65535))
    causes.push(
      invalidValue(
        `${at}.clientConfig.service.port`,
        port,
        'port is not valid: must be between 1 and 65535, inclusive',
      ),
    );
  if (cc.service?.path !== undefined && !cc.service.path.startsWith('/'))
    causes.push(invalidValue(`${at}.clientConfig.service.path`, cc.service.path, "must start with a '/'"));
  if (cc.caBundle !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(cc.caBundle))
    causes.push(invalidValue(`${at}.clientConfig.caBundle`, '', 'must be base64'));
  (w.rules ?? []).forEach((r, i) => {
    for (const op of r.operations ?? [])
      if (!OPERATIONS.includes(op)) causes.push(supported(`${at}.rules[${i}].operations`, op, OPERATIONS));
    for (const f of ['operations', 'apiGroups', 'apiVersions', 'resources'] as const)
      if (!(r[f] ?? []).length) causes.push({ field: `${at}.rules[${i}].${f}`, message: 'Required value' });
    if (r.scope !== undefined && !['Cluster', 'Namespaced', '*'].includes(r.scope))
      causes.push(supported(`${at}.rules[${i}].scope`, r.scope, ['Cluster', 'Namespaced', '*']));
  });
  if (!['Fail', 'Ignore'].includes(w.failurePolicy ?? 'Fail'))
    causes.push(supported(`${at}.failurePolicy`, w.failurePolicy, ['Fail', 'Ignore']));
  if (!['Exact', 'Equivalent'].includes(w.matchPolicy ?? 'Equivalent'))
    causes.push(supported(`${at}.matchPolicy`, w.matchPolicy, ['Equivalent', 'Exact']));
  if (w.sideEffects === undefined || w.sideEffects === null)
    causes.push({ field: `${at}.sideEffects`, message: 'Required value: must specify one of None, NoneOnDryRun' });
  else if (!['None', 'NoneOnDryRun'].includes(w.sideEffects))
    causes.push(supported(`${at}.sideEffects`, w.sideEffects, ['None', 'NoneOnDryRun']));
  const t = w.timeoutSeconds ?? 10;
  if (t < 1 || t > 30)
    causes.push(invalidValue(`${at}.timeoutSeconds`, t, 'the timeout value must be between 1 and 30 seconds'));
  const versions = w.admissionReviewVersions ?? [];
  if (!versions.length)
    causes.push({
      field: `${at}.admissionReviewVersions`,
      message: 'Required value: must specify one of v1, v1beta1',
    });
  else if (!versions.some((v) => v === 'v1' || v === 'v1beta1'))
    causes.push(invalidValue(`${at}.admissionReviewVersions`, versions, 'must include at least one of v1, v1beta1'));
  if (mutating && !['Never', 'IfNeeded'].includes(w.reinvocationPolicy ?? 'Never'))
    causes.push(supported(`${at}.reinvocationPolicy`, w.reinvocationPolicy, ['IfNeeded', 'Never']));
  const conditions = (w.matchConditions ?? []) as { name?: string; expression?: string }[];
  if (conditions.length > 64)
    causes.push({
      field: `${at}.matchConditions`,
      message: `Too many: ${conditions.length}: must have at most 64 items`,
    });
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const f = `${at}.matchConditions[${i}]`;
    if (!c.name) causes.push({ field: `${f}.name`, message: 'Required value' });
    else if (qualifiedNameProblem(c.name))
      causes.push(invalidValue(`${f}.name`, c.name, qualifiedNameProblem(c.name) as string));
    else if (seen.has(c.name))
      causes.push({ field: `${f}.name`, message: `Duplicate value: ${JSON.stringify(c.name)}` });
    if (c.name) seen.add(c.name);
    if (typeof c.expression !== 'string' || !c.expression.trim())
      causes.push({ field: `${f}.expression`, message: 'Required value' });
    else
      try {
        programOf(c.expression);
      } catch (e) {
        causes.push(
          invalidValue(`${f}.expression`, c.expression, `compilation failed: ERROR: ${(e as Error).message}`),
        );
      }
  });
  return causes;
}

function webhookKind(kind: string, plural: string, mutating: boolean): KindDef {
  return {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: false,
    shortNames: [],
    categories: ['api-extensions'],
    verbs: VERBS,
    schema: z.strictObject({ ...typeMeta, webhooks: z.array(webhookSchema(mutating)).optional() }),
    nameProblem: subdomainProblem,
    generation: true,
    // The API server's defaults.
    normalize(o) {
      for (const w of webhooksOf(o)) {
        w.failurePolicy ??= 'Fail';
        w.matchPolicy ??= 'Equivalent';
        w.namespaceSelector ??= {};
        w.objectSelector ??= {};
        w.timeoutSeconds ??= 10;
        if (w.clientConfig?.service) w.clientConfig.service.port ??= 443;
        for (const r of w.rules ?? []) r.scope ??= '*';
        if (mutating) w.reinvocationPolicy ??= 'Never';
      }
    },
    validate(o) {
      const names = new Set<string>();
      return webhooksOf(o).flatMap((w, i) => webhookCauses(w, `webhooks[${i}]`, mutating, names));
    },
    selectableFields: {},
  };
}

export const VALIDATING_WEBHOOK_CONFIGURATION = webhookKind(
  'ValidatingWebhookConfiguration',
  'validatingwebhookconfigurations',
  false,
);
export const MUTATING_WEBHOOK_CONFIGURATION = webhookKind(
  'MutatingWebhookConfiguration',
  'mutatingwebhookconfigurations',
  true,
);
