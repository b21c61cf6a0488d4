import { z } from 'zod';
import type { ReadTx } from '../store/index.js';
import { VERBS, type KindDef } from './kind-def.js';
import { invalidValue, isDomainPrefixedPath, labelProblem, subdomainProblem, type Cause } from './names.js';
import { kubeObjects, metaOf, resourcePrefix, type KubeObject, type Scope } from './object.js';
import { typeMeta } from './schemas.js';

/**
 * Ingress and IngressClass (networking.k8s.io/v1), stored and checked as the API server checks
 * them. An Ingress is routed by the controller its class names; berth runs none yet, so an
 * Ingress is kept (as in a cluster without an ingress controller) and its status stays empty.
 */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'];

const serviceBackend = z.strictObject({
  name: z.string(),
  port: z.strictObject({ name: z.string().optional(), number: z.number().int().optional() }),
});
const backend = z.strictObject({
  service: serviceBackend.optional(),
  resource: z.strictObject({ apiGroup: z.string().optional(), kind: z.string(), name: z.string() }).optional(),
});
type Backend = z.infer<typeof backend>;

export interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: Backend;
  tls?: { hosts?: string[]; secretName?: string }[];
  rules?: { host?: string; http?: { paths: { path?: string; pathType?: string; backend: Backend }[] } }[];
}
export const ingressSpecOf = (o: KubeObject) => (o['spec'] ?? {}) as IngressSpec;

function backendCauses(at: string, b: Backend): Cause[] {
  if (b.service && b.resource)
    return [{ field: at, message: 'Invalid value: "": cannot set both resource and service backends' }];
  if (!b.service && !b.resource)
    return [{ field: at, message: 'Required value: one of service or resource is required' }];
  const causes: Cause[] = [];
  if (b.service) {
    const p = labelProblem(b.service.name);
    if (p) causes.push(invalidValue(`${at}.service.name`, b.service.name, p));
    const { name, number } = b.service.port;
    if (name !== undefined && number !== undefined)
      causes.push({
        field: `${at}.service.port`,
        message: 'Invalid value: "": cannot set both port name & port number',
      });
    else if (name === undefined && number === undefined)
      causes.push({ field: `${at}.service.port`, message: 'Invalid value: "": port name or number is required' });
    else if (number !== undefined && (number < 1 || number > 65535))
      causes.push(invalidValue(`${at}.service.port.number`, number, 'must be between 1 and 65535, inclusive'));
  }
  return causes;
}

/** A rule's host: a DNS subdomain, maybe with one leading `*.` label; never an IP address. */
function hostCauses(at: string, host: string): Cause[] {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return [invalidValue(at, host, 'must be a DNS name, not an IP address')];
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  const p = subdomainProblem(bare);
  return p ? [invalidValue(at, host, p)] : [];
}

function ingressCauses(o: KubeObject): Cause[] {
  const s = ingressSpecOf(o);
  const causes: Cause[] = [];
  if (!s.defaultBackend && !s.rules?.length)
    causes.push({ field: 'spec', message: 'Invalid value: "": either `defaultBackend` or `rules` must be specified' });
  if (s.ingressClassName !== undefined) {
    const p = subdomainProblem(s.ingressClassName);
    if (p) causes.push(invalidValue('spec.ingressClassName', s.ingressClassName, p));
  }
  if (s.defaultBackend) causes.push(...backendCauses('spec.defaultBackend', s.defaultBackend));
  (s.rules ?? []).forEach((r, i) => {
    const at = `spec.rules[${i}]`;
    if (r.host) causes.push(...hostCauses(`${at}.host`, r.host));
    (r.http?.paths ?? []).forEach((p, j) => {
      const pat = `${at}.http.paths[${j}]`;
      if (p.pathType === undefined)
        causes.push({ field: `${pat}.pathType`, message: 'Required value: pathType must be specified' });
      else if (!PATH_TYPES.includes(p.pathType))
        causes.push({
          field: `${pat}.pathType`,
          message: `Unsupported value: ${JSON.stringify(p.pathType)}: supported values: "Exact", "ImplementationSpecific", "Prefix"`,
        });
      else if (p.pathType !== 'ImplementationSpecific' && !(p.path ?? '').startsWith('/'))
        causes.push(invalidValue(`${pat}.path`, p.path ?? '', 'must be an absolute path'));
      else if (p.pathType !== 'ImplementationSpecific' && /\/\.\.?(\/|$)|\/\//.test(p.path ?? ''))
        causes.push(invalidValue(`${pat}.path`, p.path ?? '', "must not contain '//', '/./' or '/../'"));
      causes.push(...backendCauses(`${pat}.backend`, p.backend));
    });
    if (r.http && !r.http.paths?.length) causes.push({ field: `${at}.http.paths`, message: 'Required value' });
  });
  (s.tls ?? []).forEach((t, i) =>
    (t.hosts ?? []).forEach((h, j) => causes.push(...hostCauses(`spec.tls[${i}].hosts[${j}]`, h))),
  );
  return causes;
}

/** An Ingress that names no class gets the default one, as the API server's admission gives it. */
function defaultIngressClass(tx: ReadTx, scope: Scope, given: KubeObject): KubeObject {
  const s = ingressSpecOf(given);
  const legacy = metaOf(given).annotations?.['kubernetes.io/ingress.class'];
  if (s.ingressClassName !== undefined || legacy !== undefined) return given;
  const name = tx
    .list(kubeObjects, { prefix: resourcePrefix({ cluster: scope.cluster, kind: INGRESS_CLASS }) })
    .map((e) => e.value.object)
    .filter((c) => metaOf(c).annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true')
    .map((c) => metaOf(c).name ?? '')
    .sort()[0];
  if (name === undefined) return given;
  const o = structuredClone(given);
  ingressSpecOf(o).ingressClassName = name;
  return o;
}

export const INGRESS: KindDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  verbs: VERBS,
  schema: z.strictObject({
    ...typeMeta,
    spec: z.strictObject({
      ingressClassName: z.string().optional(),
      defaultBackend: backend.optional(),
      tls: z
        .array(z.strictObject({ hosts: z.array(z.string()).optional(), secretName: z.string().optional() }))
        .optional(),
      rules: z
        .array(
          z.strictObject({
            host: z.string().optional(),
            http: z
              .strictObject({
                paths: z.array(
                  z.strictObject({ path: z.string().optional(), pathType: z.string().optional(), backend }),
                ),
              })
              .optional(),
          }),
        )
        .optional(),
    }),
    status: z.object({}).passthrough().optional(),
  }),
  nameProblem: subdomainProblem,
  keepsStatus: true,
  generation: true,
  validate: ingressCauses,
  allocate: defaultIngressClass,
};

export const INGRESS_CLASS: KindDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  shortNames: [],
  verbs: VERBS,
  schema: z.strictObject({
    ...typeMeta,
    spec: z
      .strictObject({
        controller: z.string().optional(),
        parameters: z
          .strictObject({
            apiGroup: z.string().optional(),
            kind: z.string(),
            name: z.string(),
            scope: z.enum(['Cluster', 'Namespace']).optional(),
            namespace: z.string().optional(),
          })
          .optional(),
      })
      .optional(),
  }),
  nameProblem: subdomainProblem,
  validate(o) {
    const c = (o['spec'] as { controller?: string } | undefined)?.controller ?? '';
    if (c.length > 250) return [{ field: 'spec.controller', message: 'Too long: may not be more than 250 bytes' }];
    if (!isDomainPrefixedPath(c))
      return [invalidValue('spec.controller', c, 'must be a domain-prefixed path (such as "acme.io/foo")')];
    return [];
  },
  validateUpdate(next, prev) {
    const a = (next['spec'] as { controller?: string } | undefined)?.controller;
    const b = (prev['spec'] as { controller?: string } | undefined)?.controller;
    return a === b
      ? []
      : [{ field: 'spec.controller', message: `Invalid value: ${JSON.stringify(a)}: field is immutable` }];
  },
};
