import { Cron } from 'croner';
import { z } from 'zod';
import { jobSchema } from './apps-schema.js';
import { defaultJob, jobCauses, type JobSpecShape } from './job-rules.js';
import { VERBS, type KindDef } from './kind-def.js';
import { metaOf, type KubeObject } from './meta.js';
import { invalidValue, subdomainProblem, type Cause } from './names.js';
import { objectMetaSchema, typeMeta } from './schemas.js';

/** CronJob (batch/v1): its shape, defaults and checks; the controller is cron-jobs.ts. */
export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  suspend?: boolean;
  jobTemplate: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: JobSpecShape;
  };
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

export const cronSpecOf = (o: KubeObject) => (o['spec'] ?? {}) as CronJobSpec;

const int = z.number().int();
const cronJobSchema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({
    schedule: z.string(),
    timeZone: z.string().optional(),
    startingDeadlineSeconds: int.optional(),
    concurrencyPolicy: z.enum(['Allow', 'Forbid', 'Replace']).optional(),
    suspend: z.boolean().optional(),
    jobTemplate: z.strictObject({ metadata: objectMetaSchema.optional(), spec: jobSchema.shape.spec }),
    successfulJobsHistoryLimit: int.optional(),
    failedJobsHistoryLimit: int.optional(),
  }),
  status: z.record(z.string(), z.unknown()).optional(),
});

/** The descriptors the standard cron parser takes besides five fields. */
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** A schedule as a croner pattern (five fields, day of month OR day of week as cron has it), or what is wrong with it. */
export function cronOf(schedule: string, timeZone?: string): Cron | string {
  const s = schedule.trim();
  if (/^(CRON_)?TZ=/.test(s)) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  const fields = s.split(/\s+/);
  if (s.startsWith('@') ? !DESCRIPTORS.includes(s) : fields.length !== 5)
    return s.startsWith('@')
      ? `unrecognized descriptor: ${s}`
      : `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  try {
    return new Cron(s, { paused: true, legacyMode: true, ...(timeZone ? { timezone: timeZone } : {}) });
  } catch (e) {
    return (e as Error).message;
  }
}

function knownZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function cronJobCauses(o: KubeObject): Cause[] {
  const s = cronSpecOf(o);
  const causes: Cause[] = [];
  if ((metaOf(o).name ?? '').length > 52)
    causes.push(invalidValue('metadata.name', metaOf(o).name, 'must be no more than 52 characters'));
  if (!s.schedule) causes.push({ field: 'spec.schedule', message: 'Required value' });
  if (s.timeZone !== undefined && !knownZone(s.timeZone))
    causes.push(invalidValue('spec.timeZone', s.timeZone, `unknown time zone ${s.timeZone}`));
  else if (s.schedule) {
    const c = cronOf(s.schedule, s.timeZone);
    if (typeof c === 'string') causes.push(invalidValue('spec.schedule', s.schedule, c));
  }
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'] as const)
    if ((s[f] ?? 0) < 0) causes.push(invalidValue(`spec.${f}`, s[f], 'must be greater than or equal to 0'));
  const job = { spec: s.jobTemplate?.spec ?? { template: { spec: {} } } };
  causes.push(
    ...jobCauses(job).map((c) => ({ field: c.field.replace(/^spec\./, 'spec.jobTemplate.spec.'), message: c.message })),
  );
  return causes;
}

function defaultCronJob(o: KubeObject): void {
  const s = cronSpecOf(o);
  s.concurrencyPolicy ??= 'Allow';
  s.suspend ??= false;
  s.successfulJobsHistoryLimit ??= 3;
  s.failedJobsHistoryLimit ??= 1;
  // The template's own defaults (not the selector and labels a Job gets when it is made).
  if (s.jobTemplate?.spec) {
    const job = { metadata: {}, spec: s.jobTemplate.spec };
    defaultJob(job);
  }
  o['status'] ??= {};
}

export const CRON_JOB: KindDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  verbs: VERBS,
  schema: cronJobSchema,
  nameProblem: subdomainProblem,
  keepsStatus: true,
  generation: true,
  normalize: defaultCronJob,
  validate: cronJobCauses,
  mergeKeys: {
    'spec.jobTemplate.spec.template.spec.containers': 'name',
    'spec.jobTemplate.spec.template.spec.initContainers': 'name',
    'spec.jobTemplate.spec.template.spec.volumes': 'name',
  },
};
