import { createCluster } from '../clusters.js';
import { registerContainerInstance } from '../container-instances.js';
import { liveTasks, tasks, type TaskRecord } from '../tables.js';
import { registerTaskDefinition } from '../task-definitions/task-definitions.js';
import { applyTaskState } from '../tasks/task-state.js';
import { testControlPlaneDeps } from '../test-deps.js';
import { reconcileAll } from './controller.js';

export interface WorldOptions {
  /** How many revisions of `web` to register (default 2). */
  revisions?: number;
  /** Extra fields of the `app` container definition (port mappings, for load balancer tests). */
  app?: Record<string, unknown>;
  /** The addresses the instances are reached at (load balancer `instance` targets need one). */
  addresses?: boolean;
}

/**
 * What service tests run against: cluster `c` of two connected instances, revisions of task
 * definition `web`, and agents that run whatever they are given (`agentsReport`). A RUNNING
 * task's container gets host port 32768 + n for each container port it maps, as bridge mode does.
 */
export async function serviceWorld(o: WorldOptions = {}) {
  const deps = testControlPlaneDeps();
  await createCluster(deps, { clusterName: 'c' });
  for (let i = 0; i < 2; i++)
    await registerContainerInstance(deps, {
      cluster: 'c',
      cpu: 2048,
      memory: 2048,
      agentConnected: true,
      ...(o.addresses ? { address: `127.0.0.${i + 1}` } : {}),
    });
  for (let i = 0; i < (o.revisions ?? 2); i++)
    await registerTaskDefinition(deps, {
      family: 'web',
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 128, ...o.app }],
    });
  let nextPort = 32768;
  const live = () =>
    deps.store.read((tx) =>
      tx.list(liveTasks, { prefix: 'c/' }).map((e) => tx.get(tasks, `c/${e.value.taskId}`)?.value as TaskRecord),
    );
  /** What the agents would report: every task that should run is RUNNING, every stopped one STOPPED. */
  const agentsReport = async () => {
    for (const t of live()) {
      const lastStatus = t.desiredStatus === 'RUNNING' ? 'RUNNING' : 'STOPPED';
      if (t.lastStatus === lastStatus) continue;
      const at = deps.clock.now().getTime();
      await applyTaskState(deps, 'c', t.host?.id as string, {
        taskId: t.id,
        lastStatus,
        ...(lastStatus === 'RUNNING' ? { startedAt: at } : { stoppedAt: at }),
        containers: t.containers.map((c) => ({
          name: c.name,
          lastStatus,
          ...(lastStatus === 'RUNNING' && mappedPorts(o.app).length
            ? {
                networkBindings: mappedPorts(o.app).map((containerPort) => ({
                  containerPort,
                  hostPort: nextPort++,
                  protocol: 'tcp',
                })),
              }
            : {}),
        })),
      });
    }
  };
  /** Passes of the controller, each 5 s after the last, with the agents reporting between them. */
  const run = async (passes = 10) => {
    for (let i = 0; i < passes; i++) {
      deps.clock.advance(5000);
      await reconcileAll(deps);
      await agentsReport();
    }
  };
  return { deps, live, agentsReport, run };
}

function mappedPorts(app: Record<string, unknown> | undefined): number[] {
  const pm = app?.portMappings as { containerPort: number }[] | undefined;
  return pm?.map((p) => p.containerPort) ?? [];
}
