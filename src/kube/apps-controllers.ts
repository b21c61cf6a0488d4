import { every, inform, work, WorkQueue, type Logger } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { collectGarbage } from './garbage-collector.js';
import { syncDeployment } from './deployments.js';
import {
  DAEMON_SET,
  DEPLOYMENT,
  JOB,
  NODE,
  POD,
  REPLICA_SET,
  REPLICATION_CONTROLLER,
  STATEFUL_SET,
  type KindDef,
} from './kinds.js';
import { syncDaemonSet } from './daemon-sets.js';
import { syncJob } from './jobs.js';
import { kubeObjects, kubeTombstones, changedObject, metaOf, resourcePrefix, type KubeObject } from './object.js';
import { controllerOf } from './owners.js';
import { syncReplicaSet } from './replica-sets.js';
import { CRON_JOB } from './cron-job-kind.js';
import { syncCronJob } from './cron-jobs.js';
import { syncStatefulSet } from './stateful-sets.js';

/** Each owning kind's tag in the controllers' keys. */
const TAG_OF_KIND: Readonly<Record<string, string>> = {
  DaemonSet: 'ds',
  ReplicaSet: 'rs',
  ReplicationController: 'rc',
  Deployment: 'deploy',
  Job: 'job',
  CronJob: 'cj',
  StatefulSet: 'sts',
};

/**
 * The ReplicaSet, Deployment and Job controllers and the garbage collector of a cluster, on the
 * leader, with the controller kit: one key per object (`rs/<ns>/<name>`, `deploy/<ns>/<name>`),
 * queued when it, one of its children (a pod, a ReplicaSet) or its owner changes, and every 5 s.
 */
export function startAppsControllers(deps: KubeDeps, cluster: string, logger: Logger): { stop(): void } {
  const queue = new WorkQueue<string>({ baseDelayMs: 100, maxDelayMs: 30_000 });
  const prefixes: [KindDef, string, string][] = [
    [REPLICA_SET, resourcePrefix({ cluster, kind: REPLICA_SET }), 'rs'],
    [REPLICATION_CONTROLLER, resourcePrefix({ cluster, kind: REPLICATION_CONTROLLER }), 'rc'],
    [DEPLOYMENT, resourcePrefix({ cluster, kind: DEPLOYMENT }), 'deploy'],
    [JOB, resourcePrefix({ cluster, kind: JOB }), 'job'],
    [DAEMON_SET, resourcePrefix({ cluster, kind: DAEMON_SET }), 'ds'],
    [CRON_JOB, resourcePrefix({ cluster, kind: CRON_JOB }), 'cj'],
    [STATEFUL_SET, resourcePrefix({ cluster, kind: STATEFUL_SET }), 'sts'],
  ];
  const nodePrefix = resourcePrefix({ cluster, kind: NODE });
  const podPrefix = resourcePrefix({ cluster, kind: POD });
  const keyOf = (tag: string, o: KubeObject) => `${tag}/${metaOf(o).namespace ?? ''}/${metaOf(o).name ?? ''}`;
  const ownerKey = (o: KubeObject) => {
    const owner = controllerOf(o);
    if (!owner) return [];
    const tag = Object.hasOwn(TAG_OF_KIND, owner.kind) ? TAG_OF_KIND[owner.kind] : undefined;
    return tag ? [`${tag}/${metaOf(o).namespace ?? ''}/${owner.name}`] : [];
  };
  const stopInforming = inform(deps.store, queue, {
    tables: [kubeObjects.name, kubeTombstones.name],
    keysOf(c) {
      const o = changedObject(c);
      if (!o) return [];
      if (c.key.startsWith(podPrefix)) return ownerKey(o);
      // A node coming or going concerns every DaemonSet.
      if (c.key.startsWith(nodePrefix))
        return deps.store
          .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: DAEMON_SET }) }))
          .map((e) => keyOf('ds', e.value.object));
      for (const [, prefix, tag] of prefixes) if (c.key.startsWith(prefix)) return [keyOf(tag, o), ...ownerKey(o)];
      return [];
    },
    all: () =>
      prefixes.flatMap(([, prefix, tag]) =>
        deps.store.read((tx) => tx.list(kubeObjects, { prefix })).map((e) => keyOf(tag, e.value.object)),
      ),
    resyncMs: 5000,
    batchMs: 20,
    onWatchError: (e) => logger.warn({ err: String(e) }, 'workload controllers lost their watch; resyncing'),
  });
  const worker = work(
    queue,
    async (key) => {
      const [tag, namespace, name] = key.split('/') as [string, string, string];
      if (tag === 'rs') await syncReplicaSet(deps, cluster, namespace, name);
      else if (tag === 'rc') await syncReplicaSet(deps, cluster, namespace, name, REPLICATION_CONTROLLER);
      else if (tag === 'job') await syncJob(deps, cluster, namespace, name);
      else if (tag === 'ds') await syncDaemonSet(deps, cluster, namespace, name);
      else if (tag === 'cj') await syncCronJob(deps, cluster, namespace, name);
      else if (tag === 'sts') await syncStatefulSet(deps, cluster, namespace, name);
      else await syncDeployment(deps, cluster, namespace, name);
    },
    (key, e, retries) => logger.error({ key, err: String(e), retries }, 'workload controller pass failed'),
  );
  const stopGc = every(2000, async () => {
    try {
      // A pass that changed something is followed at once by another (a cascade's next level).
      for (let pass = 0; pass < 3 && (await collectGarbage(deps, cluster)); pass++);
    } catch (e) {
      logger.error({ err: String(e) }, 'Kubernetes garbage collection failed');
    }
  });
  return {
    stop() {
      stopInforming();
      stopGc();
      queue.shutDown();
      void worker;
    },
  };
}
