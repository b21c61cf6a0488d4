import { VERBS, type KindDef } from './kind-def.js';
import { invalidValue, labelProblem, subdomainProblem, type Cause } from './names.js';
import type { KubeObject } from './meta.js';
import { endpointSchema, endpointSliceSchema, serviceSchema } from './service-schema.js';
import {
  allocateService,
  defaultService,
  keepAllocated,
  serviceCauses,
  serviceSpecOf,
  serviceUpdateCauses,
} from './service-rules.js';

/** Service, Endpoints and EndpointSlice: the kinds of service discovery. */

export const SERVICE: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  verbs: VERBS,
  schema: serviceSchema,
  nameProblem: labelProblem,
  keepsStatus: true,
  normalize: defaultService,
  keep: keepAllocated,
  validate: serviceCauses,
  validateUpdate: serviceUpdateCauses,
  allocate: allocateService,
  mergeKeys: { 'spec.ports': 'port' },
  selectableFields: {
    'spec.clusterIP': (o) => serviceSpecOf(o).clusterIP ?? '',
    'spec.type': (o) => serviceSpecOf(o).type ?? '',
  },
};

export const ENDPOINTS: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  verbs: VERBS,
  schema: endpointSchema,
  nameProblem: subdomainProblem,
};

function sliceCauses(o: KubeObject): Cause[] {
  const causes: Cause[] = [];
  const endpoints = (o['endpoints'] ?? []) as { addresses: string[] }[];
  if (endpoints.length > 1000) causes.push({ field: 'endpoints', message: 'Too many: must have at most 1000 items' });
  for (const [i, e] of endpoints.entries())
    if (e.addresses.length !== 1)
      causes.push(invalidValue(`endpoints[${i}].addresses`, e.addresses.length, 'must have exactly 1 address'));
  return causes;
}

export const ENDPOINT_SLICE: KindDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  shortNames: [],
  verbs: VERBS,
  schema: endpointSliceSchema,
  nameProblem: subdomainProblem,
  validate: sliceCauses,
};
