import { z } from 'zod';
import { invalidParameter } from '../kernel/index.js';
import { deleteObject } from './delete.js';
import type { KubeDeps } from './deps.js';
import { spendDisruption } from './disruption.js';
import { kubeObjects, metaOf, objectKey, type Scope } from './object.js';
import { getObject } from './objects.js';
import { deleteOptionsSchema } from './schemas.js';

const evictionSchema = z
  .object({
    apiVersion: z.string().optional(),
    kind: z.string().optional(),
    metadata: z.object({ name: z.string().optional(), namespace: z.string().optional() }).passthrough().optional(),
    deleteOptions: deleteOptionsSchema.nullable().optional(),
  })
  .strict();

/**
 * `pods/<name>/eviction` (kubectl drain): the pod is deleted as its Eviction's deleteOptions say,
 * unless the PodDisruptionBudget that covers it allows no disruption now (429). A pod that has
 * finished, or is already going, is deleted whatever its budget says.
 */
export async function evictPod(deps: KubeDeps, scope: Scope, name: string, body: unknown): Promise<void> {
  const parsed = evictionSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidParameter(`Eviction: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'malformed'}`, {
      reason: 'malformed',
    });
  }
  const eviction = parsed.data;
  if (eviction.metadata?.name !== undefined && eviction.metadata.name !== name)
    throw invalidParameter('name in URL does not match name in Eviction object', { reason: 'malformed' });
  getObject(deps, scope, name); // NotFound, in the API server's words
  const options = eviction.deleteOptions ?? {};
  if (!options.dryRun?.length)
    await deps.store.transact((tx) => {
      const pod = tx.get(kubeObjects, objectKey(scope, name))?.value.object;
      const phase = (pod?.['status'] as { phase?: string } | undefined)?.phase;
      if (!pod || metaOf(pod).deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') return;
      spendDisruption(tx, scope.cluster, pod);
    });
  await deleteObject(deps, scope, name, options);
}
