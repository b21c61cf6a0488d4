import { every, inform, work, WorkQueue, type Logger } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { NODE, POD } from './kinds.js';
import { kubeObjects, resourcePrefix } from './object.js';
import { syncNodes, type HostSource } from './nodes.js';
import { schedulePods } from './pod-scheduler.js';
import { evictForTaints } from './taint-eviction.js';

/**
 * A cluster's node and scheduling controllers, on the leader: nodes follow the hosts every 2 s,
 * and pods go from nodes whose NoExecute taints they no longer tolerate;
 * the scheduler's key (the cluster) is queued when a pod or node changes and every 2 s, and one
 * pass binds what it can.
 */
export function startPodControllers(
  deps: KubeDeps,
  cluster: string,
  hosts: HostSource,
  logger: Logger,
): { stop(): void } {
  const stopNodes = every(2000, async () => {
    try {
      await syncNodes(deps, cluster, hosts);
      await evictForTaints(deps, cluster);
    } catch (e) {
      logger.error({ err: String(e), cluster }, 'syncing Kubernetes nodes failed');
    }
  });
  const queue = new WorkQueue<string>({ baseDelayMs: 100, maxDelayMs: 10_000 });
  const pods = resourcePrefix({ cluster, kind: POD });
  const nodes = resourcePrefix({ cluster, kind: NODE });
  const stopInforming = inform(deps.store, queue, {
    tables: [kubeObjects.name],
    keysOf: (c) => (c.key.startsWith(pods) || c.key.startsWith(nodes) ? [cluster] : []),
    all: () => [cluster],
    resyncMs: 2000,
    batchMs: 10,
    onWatchError: (e) => logger.warn({ err: String(e) }, 'pod scheduler lost its watch; resyncing'),
  });
  const worker = work(
    queue,
    async () => {
      await schedulePods(deps, cluster);
    },
    (key, e, retries) => logger.error({ cluster: key, err: String(e), retries }, 'scheduling pods failed'),
  );
  return {
    stop() {
      stopNodes();
      stopInforming();
      queue.shutDown();
      void worker;
    },
  };
}
