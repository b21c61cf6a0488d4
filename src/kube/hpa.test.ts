import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listObjects } from './list.js';
import { HPA, HPA_V1 } from './hpa-kind.js';
import { syncHpa, type Recommendations } from './hpa.js';
import { DEPLOYMENT, POD } from './kinds.js';
import { metaOf, objectKey } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { PodUsage } from './pod-usage.js';
import { testKube } from './test-kube.js';

const at = (kind: typeof POD) => ({ cluster: 'c', kind, namespace: 'default' });

async function world() {
  const deps = await testKube();
  await createObject(deps, at(DEPLOYMENT), {
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'm', image: 'app', resources: { requests: { cpu: '100m' } } }] },
      },
    },
  });
  const ids = new Map<string, string>();
  for (const name of ['web-a', 'web-b']) {
    const { object } = await createObject(deps, at(POD), {
      metadata: { name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'm', image: 'app', resources: { requests: { cpu: '100m' } } }] },
    });
    ids.set(metaOf(object).uid ?? '', objectKey(at(POD), name));
  }
  const usage = new PodUsage((id) => ids.get(id));
  let t = deps.clock.now().getTime();
  let cpuNs = 0;
  /** Both pods used `cores` over the last 10 s. */
  const use = (cores: number) => {
    cpuNs += cores * 10e9;
    t += 10_000;
    usage.record({
      type: 'usage',
      at: t,
      workloads: [...ids.keys()].map((taskId) => ({ taskId: taskId.replaceAll('-', ''), cpuNs, memoryBytes: 1 << 20 })),
    });
  };
  // (The pods' ids as the agents give them: their uids without dashes.)
  for (const [uid, key] of [...ids]) ids.set(uid.replaceAll('-', ''), key);
  use(0);
  const memory: Recommendations = new Map();
  const sync = async () => {
    deps.clock.advance(15_000);
    const hpa = getObject(deps, at(HPA), 'web');
    await syncHpa(deps, 'c', hpa, usage, memory);
  };
  const replicas = () => (getObject(deps, at(DEPLOYMENT), 'web')['spec'] as { replicas: number }).replicas;
  return { deps, use, sync, replicas };
}

describe('HorizontalPodAutoscalers', () => {
  it('stores a v1 autoscaler as v2 and shows each version its own shape', async () => {
    const deps = await testKube();
    await createObject(deps, at(HPA_V1), {
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 50,
      },
    });
    const v2 = getObject(deps, at(HPA), 'web');
    assert.equal(v2['apiVersion'], 'autoscaling/v2');
    assert.deepEqual((v2['spec'] as { metrics: unknown }).metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ]);
    const v1 = getObject(deps, at(HPA_V1), 'web');
    assert.equal(v1['apiVersion'], 'autoscaling/v1');
    assert.deepEqual(v1['spec'], {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 50,
    });
    // A v1 update keeps what v1 cannot say (the behavior).
    const before = (v2['spec'] as { behavior: unknown }).behavior;
    await updateObject(deps, at(HPA_V1), 'web', (cur) => ({
      ...cur,
      spec: { ...(cur['spec'] as object), maxReplicas: 7 },
    }));
    const after = getObject(deps, at(HPA), 'web')['spec'] as { maxReplicas: number; behavior: unknown };
    assert.deepEqual([after.maxReplicas, after.behavior], [7, before]);
    assert.equal(listObjects(deps, at(HPA_V1)).items.length, 1);
  });

  it('scales the target up on CPU over its target, and down once the window allows', async () => {
    const { deps, use, sync, replicas } = await world();
    await createObject(deps, at(HPA), {
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
        ],
      },
    });
    use(0.1); // 100% of the request, twice the target.
    await sync();
    assert.equal(replicas(), 4);
    const st = getObject(deps, at(HPA), 'web')['status'] as {
      desiredReplicas: number;
      currentMetrics: { resource: { current: { averageUtilization: number } } }[];
      conditions: { type: string; status: string; reason: string }[];
    };
    assert.equal(st.desiredReplicas, 4);
    assert.equal(st.currentMetrics[0]?.resource.current.averageUtilization, 100);
    assert.deepEqual(
      st.conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ['AbleToScale', 'True', 'SucceededRescale'],
        ['ScalingActive', 'True', 'ValidMetricFound'],
        ['ScalingLimited', 'False', 'DesiredWithinRange'],
      ],
    );
    // Idle: the default 5-minute window holds the count; with a window of 0 it goes down.
    use(0.005);
    await sync();
    assert.equal(replicas(), 4);
    await updateObject(deps, at(HPA), 'web', (cur) => {
      const next = structuredClone(cur);
      (
        next['spec'] as { behavior: { scaleDown: { stabilizationWindowSeconds: number } } }
      ).behavior.scaleDown.stabilizationWindowSeconds = 0;
      return next;
    });
    use(0.005);
    await sync();
    assert.equal(replicas(), 1);
  });

  it('says why it cannot scale: no target, no requests', async () => {
    const { deps, use, sync } = await world();
    await createObject(deps, at(HPA), {
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' }, maxReplicas: 3 },
    });
    use(0.1);
    await sync();
    const st = getObject(deps, at(HPA), 'web')['status'] as { conditions: { reason: string; message: string }[] };
    assert.equal(st.conditions[0]?.reason, 'FailedGetScale');
    assert.match(st.conditions[0]?.message ?? '', /deployments\.apps "nope" not found/);
    await updateObject(deps, at(HPA), 'web', (cur) => {
      const next = structuredClone(cur);
      (next['spec'] as { scaleTargetRef: { name: string } }).scaleTargetRef.name = 'web';
      (next['spec'] as { metrics: unknown }).metrics = [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 50 } } },
      ];
      return next;
    });
    await sync();
    const again = getObject(deps, at(HPA), 'web')['status'] as {
      conditions: { type: string; reason: string; message: string }[];
    };
    const active = again.conditions.find((c) => c.type === 'ScalingActive');
    assert.equal(active?.reason, 'FailedGetResourceMetric');
    assert.match(active?.message ?? '', /missing request for memory in container m of Pod web-a/);
  });
});
