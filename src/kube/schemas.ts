import { z } from 'zod';

/**
 * The shapes of the kinds served, after the Kubernetes OpenAPI schemas (core/v1), with every
 * object strict: a field not in the schema is an unknown field, refused, warned about or dropped as
 * the request's fieldValidation asks. They check a decoded body; what is stored is the body itself
 * (decoded JSON, whose keys are all own properties), never a copy zod made.
 */
const stringMap = z.record(z.string(), z.string());
const int = z.number().int();

export const ownerReferenceSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

export const objectMetaSchema = z.strictObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: int.optional(),
  creationTimestamp: z.string().nullable().optional(),
  deletionTimestamp: z.string().nullable().optional(),
  deletionGracePeriodSeconds: int.nullable().optional(),
  labels: stringMap.nullable().optional(),
  annotations: stringMap.nullable().optional(),
  ownerReferences: z.array(ownerReferenceSchema).nullable().optional(),
  finalizers: z.array(z.string()).nullable().optional(),
  managedFields: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
  selfLink: z.string().optional(),
});

/** The head every object has: apiVersion, kind, metadata. */
export const typeMeta = {
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema.optional(),
};

export const namespaceSchema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({ finalizers: z.array(z.string()).nullable().optional() }).optional(),
  status: z
    .strictObject({
      phase: z.enum(['Active', 'Terminating']).optional(),
      conditions: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
    })
    .optional(),
});

export const configMapSchema = z.strictObject({
  ...typeMeta,
  data: stringMap.nullable().optional(),
  binaryData: stringMap.nullable().optional(),
  immutable: z.boolean().nullable().optional(),
});

export const secretSchema = z.strictObject({
  ...typeMeta,
  data: stringMap.nullable().optional(),
  stringData: stringMap.nullable().optional(),
  type: z.string().optional(),
  immutable: z.boolean().nullable().optional(),
});

const objectReference = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});

export const serviceAccountSchema = z.strictObject({
  ...typeMeta,
  secrets: z.array(objectReference).nullable().optional(),
  imagePullSecrets: z
    .array(z.strictObject({ name: z.string().optional() }))
    .nullable()
    .optional(),
  automountServiceAccountToken: z.boolean().nullable().optional(),
});

/** DeleteOptions, as a DELETE's body may carry them. */
export const deleteOptionsSchema = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  gracePeriodSeconds: int.nullable().optional(),
  preconditions: z
    .strictObject({ uid: z.string().nullable().optional(), resourceVersion: z.string().nullable().optional() })
    .nullable()
    .optional(),
  orphanDependents: z.boolean().nullable().optional(),
  propagationPolicy: z.enum(['Orphan', 'Background', 'Foreground']).nullable().optional(),
  dryRun: z.array(z.literal('All')).nullable().optional(),
});
export type DeleteOptions = z.infer<typeof deleteOptionsSchema>;
