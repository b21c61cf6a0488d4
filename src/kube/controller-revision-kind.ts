import { z } from 'zod';
import { VERBS, type KindDef } from './kind-def.js';
import { invalidValue, subdomainProblem, type Cause } from './names.js';
import { typeMeta } from './schemas.js';

/**
 * ControllerRevision (apps/v1): a DaemonSet's or StatefulSet's template history, as their
 * controllers keep it and as `kubectl rollout history` and `rollout undo` read it (the undo patches
 * the set with the revision's data).
 */
export const CONTROLLER_REVISION: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  shortNames: [],
  verbs: VERBS,
  schema: z.strictObject({
    ...typeMeta,
    data: z.unknown().optional(),
    revision: z.number().int(),
  }),
  nameProblem: subdomainProblem,
  validate(o) {
    const causes: Cause[] = [];
    if (typeof o['revision'] === 'number' && o['revision'] < 0)
      causes.push(invalidValue('revision', o['revision'], 'must be greater than or equal to 0'));
    return causes;
  },
  validateUpdate: (next, prev) =>
    JSON.stringify(next['data']) === JSON.stringify(prev['data'])
      ? []
      : [invalidValue('data', next['data'], 'field is immutable')],
  selectableFields: {},
};
