import { z } from 'zod';
import { objectMetaSchema, typeMeta } from './schemas.js';
import { podSpecSchema } from './pod-schema.js';

/** apps/v1 ReplicaSet and Deployment shapes, strict like the others. */
const int = z.number().int();
const intOrString = z.union([z.string(), int]);

export const labelSelectorSchema = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string(),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

export const podTemplateSchema = z.strictObject({
  metadata: objectMetaSchema.optional(),
  spec: podSpecSchema,
});

const loose = z.record(z.string(), z.unknown());

export const replicaSetSchema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({
    replicas: int.optional(),
    minReadySeconds: int.optional(),
    selector: labelSelectorSchema,
    template: podTemplateSchema.optional(),
  }),
  status: loose.optional(),
});

export const deploymentSchema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({
    replicas: int.optional(),
    selector: labelSelectorSchema,
    template: podTemplateSchema,
    strategy: z
      .strictObject({
        type: z.enum(['RollingUpdate', 'Recreate']).optional(),
        rollingUpdate: z
          .strictObject({ maxUnavailable: intOrString.optional(), maxSurge: intOrString.optional() })
          .optional(),
      })
      .optional(),
    minReadySeconds: int.optional(),
    revisionHistoryLimit: int.optional(),
    paused: z.boolean().optional(),
    progressDeadlineSeconds: int.optional(),
  }),
  status: loose.optional(),
});

export const statefulSetSchema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({
    replicas: int.optional(),
    selector: labelSelectorSchema,
    template: podTemplateSchema,
    volumeClaimTemplates: z.array(loose).optional(),
    serviceName: z.string().optional(),
    podManagementPolicy: z.enum(['OrderedReady', 'Parallel']).optional(),
    updateStrategy: z
      .strictObject({
        type: z.enum(['RollingUpdate', 'OnDelete']).optional(),
        rollingUpdate: z.strictObject({ partition: int.optional(), maxUnavailable: intOrString.optional() }).optional(),
      })
      .optional(),
    revisionHistoryLimit: int.optional(),
    minReadySeconds: int.optional(),
    persistentVolumeClaimRetentionPolicy: z
      .strictObject({
        whenDeleted: z.enum(['Retain', 'Delete']).optional(),
        whenScaled: z.enum(['Retain', 'Delete']).optional(),
      })
      .optional(),
    ordinals: z.strictObject({ start: int.optional() }).optional(),
  }),
  status: loose.optional(),
});

/** autoscaling/v1 Scale, as `kubectl scale` reads and writes it. */
export const scaleSchema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({ replicas: int.optional() }).optional(),
  status: loose.optional(),
});

export const jobSchema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({
    parallelism: int.optional(),
    completions: int.optional(),
    activeDeadlineSeconds: int.optional(),
    selector: labelSelectorSchema.optional(),
    manualSelector: z.boolean().optional(),
    template: podTemplateSchema,
    backoffLimit: int.optional(),
    ttlSecondsAfterFinished: int.optional(),
    completionMode: z.enum(['NonIndexed', 'Indexed']).optional(),
    suspend: z.boolean().optional(),
    podFailurePolicy: loose.optional(),
    backoffLimitPerIndex: int.optional(),
    maxFailedIndexes: int.optional(),
    podReplacementPolicy: z.enum(['TerminatingOrFailed', 'Failed']).optional(),
    successPolicy: loose.optional(),
    managedBy: z.string().optional(),
  }),
  status: loose.optional(),
});

export const daemonSetSchema = z.strictObject({
  ...typeMeta,
  spec: z.strictObject({
    selector: labelSelectorSchema,
    template: podTemplateSchema,
    updateStrategy: z
      .strictObject({
        type: z.enum(['RollingUpdate', 'OnDelete']).optional(),
        rollingUpdate: z
          .strictObject({ maxUnavailable: intOrString.optional(), maxSurge: intOrString.optional() })
          .optional(),
      })
      .optional(),
    minReadySeconds: int.optional(),
    revisionHistoryLimit: int.optional(),
  }),
  status: loose.optional(),
});
