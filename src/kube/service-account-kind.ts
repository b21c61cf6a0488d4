import { VERBS, type KindDef } from './kind-def.js';
import { subdomainProblem } from './names.js';
import { serviceAccountSchema } from './schemas.js';

export const SERVICE_ACCOUNT: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  verbs: VERBS,
  schema: serviceAccountSchema,
  nameProblem: subdomainProblem,
};
