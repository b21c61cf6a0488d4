import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../kernel/index.js';
import { KINDS, POD } from './kinds.js';
import { SERVICE } from './service-kinds.js';
import { claimLimitErrors, defaultPodResources, podLimitErrors } from './limit-ranger.js';
import { createObject, getObject, updateObject } from './objects.js';
import { LIMIT_RANGE, RESOURCE_QUOTA } from './quota-kinds.js';
import { syncQuotas } from './quota-controller.js';
import { quotaCovers, usageOf } from './resource-quota.js';
import { PERSISTENT_VOLUME_CLAIM } from './storage-kinds.js';
import { testKube } from './test-kube.js';
import { canonicalQuantity } from './quantity.js';

const at = (kind: typeof POD) => ({ cluster: 'c', kind, namespace: 'default' });
const pod = (name: string, resources?: object, spec: object = {}) => ({
  metadata: { name },
  spec: { containers: [{ name: 'main', image: 'busybox', ...(resources ? { resources } : {}) }], ...spec },
});
const refusal = (p: Promise<unknown>, message: RegExp) =>
  assert.rejects(p, (e) => isBerthError(e) && e.kind === 'AccessDenied' && message.test(e.message));

describe('resource quotas', () => {
  it('counts a pod’s requests (an init container’s when larger), not once it has ended', () => {
    const p = {
      spec: {
        initContainers: [{ name: 'i', resources: { requests: { cpu: '2' } } }],
        containers: [
          { name: 'a', resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } } },
          { name: 'b', resources: { requests: { cpu: '0.5' } } },
        ],
      },
      status: { phase: 'Running' },
    };
    assert.equal(usageOf(POD, p, 'pods'), 1);
    assert.equal(usageOf(POD, p, 'cpu'), 2);
    assert.equal(usageOf(POD, p, 'requests.memory'), 2 ** 30);
    assert.equal(usageOf(POD, p, 'limits.memory'), 2 ** 31);
    assert.equal(usageOf(POD, { ...p, status: { phase: 'Succeeded' } }, 'pods'), 0);
    assert.equal(usageOf(POD, p, 'count/pods'), 1);
    assert.equal(usageOf(SERVICE, { spec: { type: 'LoadBalancer', ports: [{}, {}] } }, 'services.nodeports'), 2);
    assert.equal(
      usageOf(
        PERSISTENT_VOLUME_CLAIM,
        { spec: { storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } } },
        'fast.storageclass.storage.k8s.io/requests.storage',
      ),
      2 ** 30,
    );
  });

  it('scopes count the pods they name, and only pods', () => {
    const quota = (scopes: string[]) => ({ spec: { hard: { pods: '1' }, scopes } });
    const batch = { spec: { containers: [{ name: 'a' }], activeDeadlineSeconds: 60 } };
    const web = { spec: { containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }] } };
    assert.ok(quotaCovers(quota(['Terminating', 'BestEffort']), POD, batch));
    assert.ok(!quotaCovers(quota(['Terminating']), POD, web));
    assert.ok(quotaCovers(quota(['NotBestEffort', 'NotTerminating']), POD, web));
    assert.ok(!quotaCovers(quota(['BestEffort']), SERVICE, {}));
    const byClass = {
      spec: {
        hard: { pods: '1' },
        scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] },
      },
    };
    assert.ok(quotaCovers(byClass, POD, { spec: { containers: [], priorityClassName: 'high' } }));
    assert.ok(!quotaCovers(byClass, POD, { spec: { containers: [], priorityClassName: 'low' } }));
  });

  it('refuses what would go over a quota, and what does not say the resources it counts; the controller writes what is used', async () => {
    const deps = await testKube();
    await createObject(deps, at(RESOURCE_QUOTA), {
      metadata: { name: 'q' },
      spec: { hard: { pods: '2', 'requests.cpu': '1' } },
    });
    await refusal(
      createObject(deps, at(POD), pod('bare')),
      /^pods "bare" is forbidden: failed quota: q: must specify requests.cpu$/,
    );
    await createObject(deps, at(POD), pod('a', { requests: { cpu: '600m' } }));
    await refusal(
      createObject(deps, at(POD), pod('b', { requests: { cpu: '600m' } })),
      /^pods "b" is forbidden: exceeded quota: q, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1$/,
    );
    // A dry run is refused the same, and writes nothing.
    await refusal(
      createObject(deps, at(POD), pod('b', { requests: { cpu: '600m' } }), { dryRun: true }),
      /exceeded quota/,
    );
    await createObject(deps, at(POD), pod('c', { requests: { cpu: '400m' } }));
    await syncQuotas(deps, 'c', 'default');
    assert.deepEqual(getObject(deps, at(RESOURCE_QUOTA), 'q')['status'], {
      hard: { pods: '2', 'requests.cpu': '1' },
      used: { pods: '2', 'requests.cpu': '1' },
    });
    // An update that does not add to what is counted passes (a label); one that would, is refused.
    await updateObject(deps, at(POD), 'c', (o) => ({
      ...o,
      metadata: { ...(o['metadata'] as object), labels: { x: 'y' } },
    }));
    await createObject(deps, at(RESOURCE_QUOTA), {
      metadata: { name: 'svc' },
      spec: { hard: { 'services.loadbalancers': '0' } },
    });
    await createObject(deps, at(SERVICE), { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    await refusal(
      updateObject(deps, at(SERVICE), 's', (o) => ({ ...o, spec: { ...(o['spec'] as object), type: 'LoadBalancer' } })),
      /^services "s" is forbidden: exceeded quota: svc, requested: services.loadbalancers=1, used: services.loadbalancers=0, limited: services.loadbalancers=0$/,
    );
    assert.ok(KINDS.includes(RESOURCE_QUOTA));
  });

  it('checks a quota’s hard limits and scopes as the API server does', () => {
    const fields = (spec: object) =>
      (RESOURCE_QUOTA.validate?.({ metadata: { name: 'q' }, spec }) ?? []).map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(fields({ hard: { pods: '1.5' } }), ['spec.hard[pods]: Invalid value: "1.5": must be an integer']);
    assert.deepEqual(fields({ hard: { pods: '1' }, scopes: ['Terminating', 'NotTerminating'] }), [
      'spec.scopes: Invalid value: ["Terminating","NotTerminating"]: conflicting scopes',
    ]);
    assert.match(
      fields({ hard: { cpu: '1' }, scopes: ['BestEffort'] })[0] ?? '',
      /unsupported scope applied to resource/,
    );
    assert.match(fields({ scopes: ['Sometimes'] })[0] ?? '', /^spec.scopes\[0\]: Unsupported value: "Sometimes"/);
  });
});

describe('limit ranges', () => {
  const range = (limits: object[]) => {
    const o = { metadata: { name: 'r' }, spec: { limits } };
    LIMIT_RANGE.normalize?.(o);
    return o;
  };

  it('defaults a Container item’s limits from max and requests from the limits, else min', () => {
    const r = range([{ type: 'Container', max: { cpu: '1' }, min: { memory: '10Mi' } }]);
    assert.deepEqual(r.spec.limits[0], {
      type: 'Container',
      max: { cpu: '1' },
      min: { memory: '10Mi' },
      default: { cpu: '1' },
      defaultRequest: { memory: '10Mi', cpu: '1' },
    });
    const fields = (limits: object[]) => (LIMIT_RANGE.validate?.(range(limits)) ?? []).map((c) => c.field);
    assert.deepEqual(fields([{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }]), [
      'spec.limits[0].min[cpu]',
      'spec.limits[0].defaultRequest[cpu]',
      'spec.limits[0].default[cpu]',
    ]);
    assert.deepEqual(fields([{ type: 'Pod', default: { cpu: '1' } }]), ['spec.limits[0].default']);
    assert.deepEqual(fields([{ max: { cpu: '1' } }]), ['spec.limits[0].type']);
  });

  it('fills in a pod’s missing requests and limits, notes what it set, and bounds containers, pods and claims', () => {
    const ranges = [
      range([
        { type: 'Container', defaultRequest: { cpu: '100m' }, default: { cpu: '200m' }, max: { cpu: '1' } },
        { type: 'Pod', max: { memory: '1Gi' } },
        { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } },
      ]),
    ];
    const p = defaultPodResources(pod('p', { limits: { memory: '512Mi' }, requests: { memory: '512Mi' } }), ranges);
    const c = (p['spec'] as { containers: { resources: object }[] }).containers[0];
    assert.deepEqual(c?.resources, {
      limits: { memory: '512Mi', cpu: '200m' },
      requests: { memory: '512Mi', cpu: '100m' },
    });
    assert.equal(
      (p['metadata'] as { annotations: Record<string, string> }).annotations['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu request for container main; cpu limit for container main',
    );
    assert.deepEqual(podLimitErrors(p, ranges), []);
    const twice = {
      spec: {
        containers: [
          { name: 'a', resources: { limits: { memory: '768Mi', cpu: '2' } } },
          { name: 'b', resources: { limits: { memory: '512Mi' } } },
        ],
      },
    };
    assert.deepEqual(podLimitErrors(twice, ranges), [
      'maximum cpu usage per Container is 1, but limit is 2',
      // Checked as given (admission fills the defaults in first).
      'maximum cpu usage per Container is 1.  No limit is specified',
      'maximum memory usage per Pod is 1Gi, but limit is 1280Mi',
    ]);
    assert.deepEqual(claimLimitErrors({ spec: { resources: { requests: { storage: '20Gi' } } } }, ranges), [
      'maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi',
    ]);
    assert.deepEqual(claimLimitErrors({ spec: { resources: { requests: { storage: '512Mi' } } } }, ranges), [
      'minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 512Mi',
    ]);
  });

  it('writes quantities as the API server does', () => {
    assert.deepEqual(['0.5', '1500m', '2000m', '1024Mi', '1.5Gi', '100M', '1e3'].map(canonicalQuantity), [
      '500m',
      '1500m',
      '2',
      '1Gi',
      '1536Mi',
      '100M',
      '1k',
    ]);
  });
});
