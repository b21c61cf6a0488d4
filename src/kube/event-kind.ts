import { z } from 'zod';
import type { KindDef } from './kind-def.js';
import type { KubeObject } from './meta.js';
import { subdomainProblem } from './names.js';
import { typeMeta } from './schemas.js';

/** Event (core/v1): its shape (loose below the top: clients write many forms of it) and selectable fields. */
const loose = z.record(z.string(), z.unknown());
const eventSchema = z.strictObject({
  ...typeMeta,
  involvedObject: loose,
  reason: z.string().optional(),
  message: z.string().optional(),
  source: loose.optional(),
  firstTimestamp: z.string().nullable().optional(),
  lastTimestamp: z.string().nullable().optional(),
  count: z.number().int().optional(),
  type: z.string().optional(),
  eventTime: z.string().nullable().optional(),
  series: loose.optional(),
  action: z.string().optional(),
  related: loose.optional(),
  reportingComponent: z.string().optional(),
  reportingInstance: z.string().optional(),
});

const involved = (field: string) => (o: KubeObject) =>
  String((o['involvedObject'] as Record<string, unknown> | undefined)?.[field] ?? '');

export const EVENT: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  schema: eventSchema,
  nameProblem: subdomainProblem,
  selectableFields: {
    'involvedObject.kind': involved('kind'),
    'involvedObject.namespace': involved('namespace'),
    'involvedObject.name': involved('name'),
    'involvedObject.uid': involved('uid'),
    'involvedObject.apiVersion': involved('apiVersion'),
    'involvedObject.resourceVersion': involved('resourceVersion'),
    'involvedObject.fieldPath': involved('fieldPath'),
    reason: (o) => String(o['reason'] ?? ''),
    reportingComponent: (o) => String(o['reportingComponent'] ?? ''),
    source: (o) => String((o['source'] as { component?: string } | undefined)?.component ?? ''),
    type: (o) => String(o['type'] ?? ''),
  },
};
