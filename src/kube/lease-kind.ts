import { z } from 'zod';
import { VERBS, type KindDef } from './kind-def.js';
import { invalidValue, subdomainProblem, type Cause } from './names.js';
import { typeMeta } from './schemas.js';

/**
 * Lease (coordination.k8s.io/v1): what client-go's leader election takes and renews, so that
 * operators and controllers run against berth elect their leader as they do on a cluster.
 */
const int = z.number().int();

export const LEASE: KindDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  shortNames: [],
  verbs: VERBS,
  schema: z.strictObject({
    ...typeMeta,
    spec: z
      .strictObject({
        holderIdentity: z.string().nullable().optional(),
        leaseDurationSeconds: int.nullable().optional(),
        acquireTime: z.string().nullable().optional(),
        renewTime: z.string().nullable().optional(),
        leaseTransitions: int.nullable().optional(),
        strategy: z.string().nullable().optional(),
        preferredHolder: z.string().nullable().optional(),
      })
      .optional(),
  }),
  nameProblem: subdomainProblem,
  validate(o) {
    const s = (o['spec'] ?? {}) as { leaseDurationSeconds?: number | null; leaseTransitions?: number | null };
    const causes: Cause[] = [];
    if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds !== null && s.leaseDurationSeconds <= 0)
      causes.push(invalidValue('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
    if (s.leaseTransitions !== undefined && s.leaseTransitions !== null && s.leaseTransitions < 0)
      causes.push(invalidValue('spec.leaseTransitions', s.leaseTransitions, 'must be greater than or equal to 0'));
    return causes;
  },
};
