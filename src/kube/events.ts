import { createHash } from 'node:crypto';
import { uuid } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { EVENT } from './event-kind.js';
import { kubeObjects, metaOf, objectKey, resourcePrefix, type KubeObject } from './object.js';
import { removeObject } from './objects.js';
import { timestamp } from './write-rules.js';

/**
 * Events (core/v1), as controllers record them and `kubectl describe` and `kubectl get events`
 * read them: one per object, reason and message, its count and last time raised when it happens
 * again. Best effort: an event that cannot be written is not worth failing the work it reports.
 */
export const EVENT_TTL_MS = 60 * 60_000;

export async function recordEvent(
  deps: KubeDeps,
  cluster: string,
  involved: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component: string,
): Promise<void> {
  const kind = EVENT;
  const meta = metaOf(involved);
  const namespace = meta.namespace ?? 'default';
  if (!meta.name) return;
  const digest = createHash('sha256')
    .update(`${meta.uid ?? ''}\0${reason}\0${message}`)
    .digest('hex')
    .slice(0, 16);
  const name = `${meta.name}.${digest}`;
  const scope = { cluster, kind, namespace };
  const key = objectKey(scope, name);
  const now = timestamp(deps);
  try {
    await deps.store.transact((tx) => {
      const e = tx.get(kubeObjects, key);
      const prev = e?.value.object;
      const object: KubeObject = prev
        ? { ...prev, count: ((prev['count'] as number | undefined) ?? 1) + 1, lastTimestamp: now }
        : {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name, namespace, uid: uuid(), creationTimestamp: now },
            involvedObject: {
              apiVersion: involved['apiVersion'],
              kind: involved['kind'],
              name: meta.name,
              namespace,
              uid: meta.uid,
              ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
            },
            reason,
            message,
            source: { component },
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
            type,
            eventTime: null,
            reportingComponent: component,
            reportingInstance: '',
          };
      tx.put(kubeObjects, { key, object });
    });
  } catch {
    // An event is a record of work, not part of it.
  }
}

/** Drops events last raised longer ago than EVENT_TTL_MS (the API server's default, an hour). */
export async function pruneEvents(deps: KubeDeps, cluster: string): Promise<void> {
  const kind = EVENT;
  const before = deps.clock.now().getTime() - EVENT_TTL_MS;
  const old = deps.store
    .read((tx) => tx.list(kubeObjects, { prefix: resourcePrefix({ cluster, kind }) }))
    .filter((e) => Date.parse(String(e.value.object['lastTimestamp'] ?? '')) < before)
    .map((e) => e.key);
  for (let i = 0; i < old.length; i += 50) {
    const chunk = old.slice(i, i + 50);
    const now = deps.clock.now().getTime();
    await deps.store.transact((tx) => {
      for (const key of chunk) removeObject(tx, { cluster, kind }, key, now);
    });
  }
}
