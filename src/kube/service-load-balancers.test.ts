import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deleteObject } from './delete.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import { createObject, updateObject } from './objects.js';
import { ENDPOINTS, SERVICE } from './service-kinds.js';
import {
  LB_FINALIZER,
  syncServiceLoadBalancer,
  type LoadBalancerPort,
  type WantedLoadBalancer,
} from './service-load-balancers.js';
import { testKube } from './test-kube.js';

/** The port's in-memory twin: what was asked of it. */
function fakePort() {
  const made = new Map<string, WantedLoadBalancer>();
  const port: LoadBalancerPort = {
    async ensure(want) {
      made.set(want.uid, want);
      return { hostname: `a${want.uid.slice(0, 8)}.elb.test`, ip: '127.77.0.1' };
    },
    async remove(uid) {
      made.delete(uid);
    },
  };
  return { port, made };
}

describe('LoadBalancer services', () => {
  it('get a load balancer of their ready endpoints, their status and a finalizer, and lose them with it', async () => {
    const deps = await testKube();
    const { port, made } = fakePort();
    const at = (kind: typeof SERVICE) => ({ cluster: 'c', kind, namespace: 'default' });
    const get = () =>
      deps.store.read((tx) => tx.get(kubeObjects, objectKey(at(SERVICE), 'web')))?.value.object as
        KubeObject | undefined;
    const sync = () => syncServiceLoadBalancer(deps, 'c', port, 'default', 'web');
    const { object } = await createObject(deps, at(SERVICE), {
      metadata: { name: 'web', annotations: { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' } },
      spec: {
        type: 'LoadBalancer',
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      },
    });
    const uid = metaOf(object).uid ?? '';
    await createObject(deps, at(ENDPOINTS), {
      metadata: { name: 'web' },
      subsets: [
        {
          addresses: [{ ip: '10.0.0.5' }, { ip: '10.0.0.6' }],
          notReadyAddresses: [{ ip: '10.0.0.7' }],
          ports: [
            { name: 'http', port: 8080, protocol: 'TCP' },
            { name: 'dns', port: 53, protocol: 'UDP' },
          ],
        },
      ],
    });
    await sync();
    assert.deepEqual(made.get(uid), {
      uid,
      cluster: 'c',
      namespace: 'default',
      name: 'web',
      internal: true,
      listeners: [
        {
          port: 80,
          targets: [
            { ip: '10.0.0.5', port: 8080 },
            { ip: '10.0.0.6', port: 8080 },
          ],
        },
      ],
    });
    assert.deepEqual((get()?.['status'] as { loadBalancer: unknown }).loadBalancer, {
      ingress: [{ hostname: `a${uid.slice(0, 8)}.elb.test`, ip: '127.77.0.1' }],
    });
    assert.deepEqual(metaOf(get() as KubeObject).finalizers, [LB_FINALIZER]);

    // Back to ClusterIP: the load balancer, the status and the finalizer go.
    await updateObject(deps, at(SERVICE), 'web', (o) => ({
      ...o,
      spec: { ...(o['spec'] as object), type: 'ClusterIP' },
    }));
    await sync();
    assert.equal(made.size, 0);
    assert.deepEqual((get()?.['status'] as { loadBalancer: unknown }).loadBalancer, {});
    assert.deepEqual(metaOf(get() as KubeObject).finalizers ?? [], []);

    // LoadBalancer again, then deleted: the finalizer holds the Service until its load balancer is gone.
    await updateObject(deps, at(SERVICE), 'web', (o) => ({
      ...o,
      spec: { ...(o['spec'] as object), type: 'LoadBalancer' },
    }));
    await sync();
    assert.equal(made.size, 1);
    await deleteObject(deps, at(SERVICE), 'web');
    assert.ok(metaOf(get() as KubeObject).deletionTimestamp, 'held by its finalizer');
    await sync();
    assert.equal(made.size, 0);
    assert.equal(get(), undefined);
  });

  it('leaves a Service of another load balancer class to its own controller', async () => {
    const deps = await testKube();
    const { port, made } = fakePort();
    await createObject(
      deps,
      { cluster: 'c', kind: SERVICE, namespace: 'default' },
      {
        metadata: { name: 'other' },
        spec: { type: 'LoadBalancer', loadBalancerClass: 'example.com/metal', ports: [{ port: 80 }] },
      },
    );
    await syncServiceLoadBalancer(deps, 'c', port, 'default', 'other');
    assert.equal(made.size, 0);
  });
});
