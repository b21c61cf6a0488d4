import type { KubeDeps } from './deps.js';
import { kubeObjects, objectKey } from './object.js';
import { createUnlessExists } from './objects.js';
import { PRIORITY_CLASS, SYSTEM_PRIORITY_CLASSES } from './priority-class-kind.js';

/** The system's priority classes, made once per cluster. */
export async function ensurePriorityClasses(deps: KubeDeps, cluster: string): Promise<void> {
  const scope = { cluster, kind: PRIORITY_CLASS };
  for (const [name, value] of Object.entries(SYSTEM_PRIORITY_CLASSES)) {
    if (deps.store.read((tx) => tx.get(kubeObjects, objectKey(scope, name)))) continue;
    await createUnlessExists(deps, scope, {
      metadata: { name },
      value,
      description: 'Used for system critical pods that must not be moved from their current node.',
    });
  }
}
