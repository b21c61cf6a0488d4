import { z } from 'zod';
import { VERBS, type KindDef } from './kind-def.js';
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
  verbs: VERBS,
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

/** events.k8s.io/v1's names for core Event fields (the rest are the same in both). */
const RENAMED: readonly (readonly [string, string])[] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

function rename(o: KubeObject, pairs: readonly (readonly [string, string])[]): KubeObject {
  const out: KubeObject = { ...o };
  for (const [from, to] of pairs) {
    if (!Object.hasOwn(out, from)) continue;
    const v = out[from];
    delete out[from];
    out[to] = v;
  }
  return out;
}

/**
 * Event as events.k8s.io/v1 serves it: the same objects as core/v1's (stored as those), with the
 * newer names (`regarding`, `note`, `reportingController`, the `deprecated…` fields).
 */
export const EVENT_V1: KindDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: [],
  verbs: VERBS,
  schema: z.strictObject({
    ...typeMeta,
    eventTime: z.string().nullable().optional(),
    series: loose.optional(),
    reportingController: z.string().optional(),
    reportingInstance: z.string().optional(),
    action: z.string().optional(),
    reason: z.string().optional(),
    regarding: loose.optional(),
    related: loose.optional(),
    note: z.string().optional(),
    type: z.string().optional(),
    deprecatedSource: loose.optional(),
    deprecatedFirstTimestamp: z.string().nullable().optional(),
    deprecatedLastTimestamp: z.string().nullable().optional(),
    deprecatedCount: z.number().int().optional(),
  }),
  nameProblem: subdomainProblem,
  storedAs: EVENT,
  fromStored(o) {
    const out = rename(
      o,
      RENAMED.map(([a, b]) => [b, a] as const),
    );
    // An event a component wrote with only its source says who reported it there.
    if (out['reportingController'] === undefined) {
      const source = (o['source'] as { component?: string } | undefined)?.component;
      if (source) out['reportingController'] = source;
    }
    return out;
  },
  toStored: (body) => {
    const { status: _s, ...rest } = body;
    return rename({ involvedObject: {}, ...rest }, RENAMED);
  },
  // Selections read the stored (core) object.
  selectableFields: {
    'regarding.kind': involved('kind'),
    'regarding.name': involved('name'),
    'regarding.namespace': involved('namespace'),
    'regarding.uid': involved('uid'),
    reason: (o) => String(o['reason'] ?? ''),
    reportingController: (o) =>
      String(o['reportingComponent'] ?? (o['source'] as { component?: string } | undefined)?.component ?? ''),
    type: (o) => String(o['type'] ?? ''),
  },
};
