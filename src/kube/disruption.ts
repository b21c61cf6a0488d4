import { BerthError, type Logger } from '../kernel/index.js';
import { startControllerLoop } from './controller-loop.js';
import type { WriteTx } from '../store/index.js';
import { scaled } from './apps-rules.js';
import type { KubeDeps } from './deps.js';
import { POD } from './kinds.js';
import { matchesSelector } from './label-selector.js';
import { budgetSpecOf, POD_DISRUPTION_BUDGET } from './pdb-kind.js';
import { changedObject, kubeObjects, metaOf, resourcePrefix, type KubeObject } from './object.js';
import { isReady } from './owners.js';
import { rfc3339 } from './write-rules.js';

/**
 * PodDisruptionBudgets (policy/v1) and what the eviction subresource asks of them: the
 * disruption controller counts each budget's healthy pods and how many may go now; an eviction
 * is allowed while that count is above zero, and takes one from it in the same write.
 */
const terminal = (p: KubeObject) => {
  const phase = (p['status'] as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
};

/** The pods a budget covers: its selector's, in its namespace, not finished or going. */
export function budgetPods(budget: KubeObject, pods: KubeObject[]): KubeObject[] {
  const sel = budgetSpecOf(budget).selector;
  return pods.filter(
    (p) =>
      metaOf(p).namespace === metaOf(budget).namespace &&
      !terminal(p) &&
      !metaOf(p).deletionTimestamp &&
      matchesSelector(sel, metaOf(p).labels ?? {}),
  );
}

/** A budget's status from its pods, as the disruption controller writes it. */
export function budgetStatus(budget: KubeObject, pods: KubeObject[], now: string): Record<string, unknown> {
  const s = budgetSpecOf(budget);
  const covered = budgetPods(budget, pods);
  const expected = covered.length;
  const healthy = covered.filter(
    (p) => (p['status'] as { phase?: string } | undefined)?.phase === 'Running' && isReady(p),
  ).length;
  const desired =
    s.maxUnavailable !== undefined
      ? Math.max(0, expected - scaled(s.maxUnavailable, expected, true))
      : scaled(s.minAvailable ?? 1, expected, true);
  const allowed = Math.max(0, healthy - desired);
  const prev = (budget['status'] ?? {}) as { conditions?: { status: string; lastTransitionTime?: string }[] };
  const status = allowed > 0 ? 'True' : 'False';
  const was = prev.conditions?.[0];
  return {
    observedGeneration: metaOf(budget).generation ?? 1,
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    conditions: [
      {
        type: 'DisruptionAllowed',
        status,
        reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
        message: '',
        observedGeneration: metaOf(budget).generation ?? 1,
        lastTransitionTime: was && was.status === status && was.lastTransitionTime ? was.lastTransitionTime : now,
      },
    ],
  };
}

/**
 * In an eviction's transaction: the budget that covers `pod` loses one allowed disruption, or the
 * eviction is refused (429) as the API server refuses it. A pod no budget covers may go.
 */
export function spendDisruption(tx: WriteTx, cluster: string, pod: KubeObject): void {
  const namespace = metaOf(pod).namespace ?? '';
  const budgets = tx
    .list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: POD_DISRUPTION_BUDGET, namespace }) })
    .filter((e) => budgetPods(e.value.object, [pod]).length > 0);
  if (budgets.length === 0) return;
  if (budgets.length > 1)
    throw new BerthError(
      'Internal',
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  const e = budgets[0] as (typeof budgets)[number];
  const b = e.value.object;
  const st = (b['status'] ?? {}) as { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number };
  if ((st.disruptionsAllowed ?? 0) <= 0)
    throw new BerthError('LimitExceeded', "Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [
        {
          field: '',
          message: `The disruption budget ${metaOf(b).name ?? ''} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`,
        },
      ],
    });
  // The pod's deletion, in the same write, takes it out of the next count.
  tx.put(kubeObjects, {
    key: e.key,
    object: { ...b, status: { ...st, disruptionsAllowed: (st.disruptionsAllowed ?? 1) - 1 } },
  });
}

/** The disruption controller: a namespace's budgets recounted whenever a pod or budget there changes. */
export function startDisruptionController(deps: KubeDeps, cluster: string, logger: Logger): { stop(): void } {
  const prefixes = [POD, POD_DISRUPTION_BUDGET].map((kind) => resourcePrefix({ cluster, kind }));
  return startControllerLoop(deps, logger, {
    name: 'disruption controller',
    keysOf: (c) => {
      const o = changedObject(c);
      return o && prefixes.some((p) => c.key.startsWith(p)) ? [metaOf(o).namespace ?? ''] : [];
    },
    all: () => [
      ...new Set(
        deps.store
          .read((tx) => tx.list(kubeObjects, { prefix: prefixes[1] as string }))
          .map((e) => metaOf(e.value.object).namespace ?? ''),
      ),
    ],
    batchMs: 50,
    async sync(namespace) {
      const now = rfc3339(deps.clock.now().getTime());
      await deps.store.transact((tx) => {
        const budgets = tx.list(kubeObjects, {
          prefix: resourcePrefix({ cluster, kind: POD_DISRUPTION_BUDGET, namespace }),
        });
        if (!budgets.length) return;
        const pods = tx
          .list(kubeObjects, { prefix: resourcePrefix({ cluster, kind: POD, namespace }) })
          .map((e) => e.value.object);
        for (const e of budgets) {
          const status = budgetStatus(e.value.object, pods, now);
          if (JSON.stringify(e.value.object['status'] ?? {}) === JSON.stringify(status)) continue;
          tx.put(kubeObjects, { key: e.key, object: { ...e.value.object, status } });
        }
      });
    },
  });
}
