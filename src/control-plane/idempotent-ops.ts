import { withClientToken } from './client-tokens.js';
import { clusterName } from './clusters.js';
import type { ControlPlaneDeps } from './deps.js';
import { createService, getService, type ServiceInput } from './services/services.js';
import type { ServiceRecord } from './services/model.js';
import type { TaskRecord } from './tables.js';
import { runTask, type RunTaskInput, type RunTaskResult } from './tasks/run-task.js';
import { findTask } from './tasks/tasks.js';

/** The calls whose model carries a clientToken, run at most once per live token and cluster. */
export function runTaskOnce(
  deps: ControlPlaneDeps,
  input: RunTaskInput & { clientToken?: string },
): Promise<RunTaskResult> {
  const cluster = clusterName(input.cluster);
  return withClientToken(
    deps,
    `RunTask/${cluster}`,
    input.clientToken,
    input as unknown as Record<string, unknown>,
    async () => {
      const result = await runTask(deps, input);
      return { result, resourceIds: result.tasks.map((t) => t.arn), extra: result.failures };
    },
    (arns, failures) => ({
      tasks: arns.map((a) => findTask(deps, cluster, a)).filter((t): t is TaskRecord => t !== undefined),
      failures: (failures ?? []) as RunTaskResult['failures'],
    }),
  );
}

export function createServiceOnce(
  deps: ControlPlaneDeps,
  input: ServiceInput & { clientToken?: string },
): Promise<ServiceRecord> {
  const cluster = clusterName(input.cluster);
  return withClientToken(
    deps,
    `CreateService/${cluster}`,
    input.clientToken,
    input as unknown as Record<string, unknown>,
    async () => {
      const result = await createService(deps, input);
      return { result, resourceIds: [result.arn] };
    },
    ([arn]) => getService(deps, cluster, arn as string),
  );
}
