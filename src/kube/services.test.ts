import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { deleteObject } from './delete.js';
import { syncServiceEndpoints } from './endpoints.js';
import { POD } from './kinds.js';
import { listObjects } from './list.js';
import { kubeObjects, metaOf, objectKey } from './object.js';
import { createObject, getObject, updateObject } from './objects.js';
import { ENDPOINT_SLICE, ENDPOINTS, SERVICE } from './service-kinds.js';
import { serviceRoutes } from './service-routes.js';
import { testKube } from './test-kube.js';

const at = (kind: typeof SERVICE) => ({ cluster: 'c', kind, namespace: 'default' });
const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec });
const refused = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BerthError);
    return e.message;
  }
  assert.fail('accepted');
};

/** A pod as its node reports it: an address, Ready or not, maybe terminating. */
async function runningPod(deps: Awaited<ReturnType<typeof testKube>>, name: string, ip: string, ready: boolean) {
  await createObject(deps, at(POD), {
    metadata: { name, labels: { app: 'web' } },
    spec: {
      nodeName: 'box',
      containers: [{ name: 'm', image: 'app', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
  });
  // Status is the node's to write (a pod's update keeps it): straight into the store, as the node's reports go.
  const key = objectKey(at(POD), name);
  await deps.store.transact((tx) => {
    const e = tx.get(kubeObjects, key);
    const object = {
      ...e?.value.object,
      status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    };
    tx.put(kubeObjects, { key, object });
  });
}

describe('Kubernetes services', () => {
  it('allocates a cluster IP and node ports, keeps them across updates, and refuses taken or bad ones', async () => {
    const deps = await testKube();
    const { object: a } = await createObject(
      deps,
      at(SERVICE),
      svc('a', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }),
    );
    const spec = a['spec'] as {
      clusterIP: string;
      clusterIPs: string[];
      ports: { nodePort: number; protocol: string }[];
    };
    assert.match(spec.clusterIP, /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
    assert.ok((spec.ports[0]?.nodePort ?? 0) >= 30000 && (spec.ports[0]?.nodePort ?? 0) <= 32767);
    assert.equal(spec.ports[0]?.protocol, 'TCP');
    // An apply that leaves the cluster IP and node port out keeps them.
    const { object: again } = await updateObject(deps, at(SERVICE), 'a', () =>
      svc('a', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }),
    );
    assert.deepEqual((again['spec'] as typeof spec).clusterIP, spec.clusterIP);
    assert.deepEqual((again['spec'] as typeof spec).ports[0]?.nodePort, spec.ports[0]?.nodePort);
    assert.match(
      await refused(
        updateObject(deps, at(SERVICE), 'a', (cur) => ({
          ...cur,
          spec: { ...spec, clusterIP: '10.96.7.7', clusterIPs: ['10.96.7.7'] },
        })),
      ),
      /spec\.clusterIPs\[0\]: Invalid value: "10\.96\.7\.7": may not change once set/,
    );
    assert.match(
      await refused(createObject(deps, at(SERVICE), svc('b', { clusterIP: spec.clusterIP, ports: [{ port: 1 }] }))),
      /spec\.clusterIPs: Invalid value: .*provided IP is already allocated/,
    );
    assert.match(
      await refused(createObject(deps, at(SERVICE), svc('b', { clusterIP: '192.168.1.1', ports: [{ port: 1 }] }))),
      /provided IP is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/12/,
    );
    assert.match(
      await refused(
        createObject(
          deps,
          at(SERVICE),
          svc('b', { type: 'NodePort', ports: [{ port: 1, nodePort: spec.ports[0]?.nodePort }] }),
        ),
      ),
      /spec\.ports\[0\]\.nodePort: Invalid value: \d+: provided port is already allocated/,
    );
    assert.match(
      await refused(createObject(deps, at(SERVICE), svc('b', { ports: [{ port: 1 }, { port: 2 }] }))),
      /spec\.ports\[0\]\.name: Required value/,
    );
    // A LoadBalancer service has node ports too, unless it asks for none; it cannot be headless.
    const { object: lb } = await createObject(
      deps,
      at(SERVICE),
      svc('lb', { type: 'LoadBalancer', ports: [{ port: 1 }] }),
    );
    const lbSpec = lb['spec'] as { ports: { nodePort?: number }[]; allocateLoadBalancerNodePorts: boolean };
    assert.ok((lbSpec.ports[0]?.nodePort ?? 0) >= 30000 && lbSpec.allocateLoadBalancerNodePorts);
    const { object: bare } = await createObject(
      deps,
      at(SERVICE),
      svc('lb2', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 1 }] }),
    );
    assert.equal((bare['spec'] as { ports: { nodePort?: number }[] }).ports[0]?.nodePort, undefined);
    assert.match(
      await refused(
        createObject(deps, at(SERVICE), svc('b', { type: 'LoadBalancer', clusterIP: 'None', ports: [{ port: 1 }] })),
      ),
      /spec\.clusterIPs\[0\]: Invalid value: "None": may not be set to 'None' for LoadBalancer services/,
    );
    const { object: headless } = await createObject(
      deps,
      at(SERVICE),
      svc('h', { clusterIP: 'None', selector: { app: 'web' } }),
    );
    assert.equal((headless['spec'] as { clusterIP: string }).clusterIP, 'None');
  });

  it('writes the Endpoints and EndpointSlice of the pods a service selects, ready or not, and removes them with it', async () => {
    const deps = await testKube();
    await createObject(
      deps,
      at(SERVICE),
      svc('web', { selector: { app: 'web' }, ports: [{ name: 'h', port: 80, targetPort: 'http' }] }),
    );
    await runningPod(deps, 'p1', '172.30.0.3', true);
    await runningPod(deps, 'p2', '172.30.0.2', false);
    await createObject(deps, at(POD), {
      metadata: { name: 'other' },
      spec: { containers: [{ name: 'm', image: 'x' }] },
    });
    await syncServiceEndpoints(deps, 'c', 'default', 'web');
    const ep = getObject(deps, at(ENDPOINTS), 'web');
    assert.deepEqual(
      (ep['subsets'] as { addresses: { ip: string }[]; notReadyAddresses: { ip: string }[]; ports: unknown }[]).map(
        (s) => [s.addresses.map((a) => a.ip), s.notReadyAddresses.map((a) => a.ip), s.ports],
      ),
      [[['172.30.0.3'], ['172.30.0.2'], [{ name: 'h', port: 8080, protocol: 'TCP' }]]],
    );
    const slices = () => listObjects(deps, at(ENDPOINT_SLICE)).items;
    const [slice] = slices();
    assert.equal(metaOf(slice ?? {}).labels?.['kubernetes.io/service-name'], 'web');
    assert.deepEqual(
      (slice?.['endpoints'] as { addresses: string[]; conditions: { ready: boolean } }[]).map((e) => [
        e.addresses[0],
        e.conditions.ready,
      ]),
      [
        ['172.30.0.2', false],
        ['172.30.0.3', true],
      ],
    );
    assert.deepEqual(slice?.['ports'], [{ name: 'h', port: 8080, protocol: 'TCP' }]);
    // Nothing changed: nothing is written.
    const rv = metaOf(getObject(deps, at(ENDPOINTS), 'web')).resourceVersion;
    await syncServiceEndpoints(deps, 'c', 'default', 'web');
    assert.equal(metaOf(getObject(deps, at(ENDPOINTS), 'web')).resourceVersion, rv);
    await deleteObject(deps, at(SERVICE), 'web');
    await syncServiceEndpoints(deps, 'c', 'default', 'web');
    assert.throws(() => getObject(deps, at(ENDPOINTS), 'web'), /endpoints "web" not found/);
    assert.deepEqual(slices(), []);
  });

  it('routes each cluster IP port and node port to the ready endpoints, and names services in cluster DNS', () => {
    const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { name, namespace: 'ns' }, spec });
    const ep = (name: string, subsets: unknown[]) =>
      [`ns/${name}`, { metadata: { name, namespace: 'ns' }, subsets }] as const;
    const routes = serviceRoutes(
      [
        svc('web', {
          type: 'NodePort',
          clusterIP: '10.96.5.5',
          ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }],
        }),
        svc('db', { clusterIP: 'None', ports: [{ port: 5432 }] }),
        svc('out', { type: 'ExternalName', externalName: 'example.org' }),
      ],
      new Map([
        ep('web', [
          {
            addresses: [{ ip: '172.30.0.2' }],
            notReadyAddresses: [{ ip: '172.30.0.9' }],
            ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          },
        ]),
        ep('db', [{ addresses: [{ ip: '172.30.0.4', hostname: 'db-0' }], ports: [{ port: 5432 }] }]),
      ]),
    );
    assert.deepEqual(routes.virtual, [
      { ip: '10.96.5.5', port: 80, protocol: 'tcp', backends: [{ ip: '172.30.0.2', port: 8080 }] },
    ]);
    assert.deepEqual(routes.hostPorts, [
      { port: 30080, protocol: 'tcp', backends: [{ ip: '172.30.0.2', port: 8080 }] },
    ]);
    assert.deepEqual(routes.dns?.records, [
      { name: 'web.ns.svc.cluster.local', ips: ['10.96.5.5'] },
      { name: 'db.ns.svc.cluster.local', ips: ['172.30.0.4'] },
      { name: 'db-0.db.ns.svc.cluster.local', ips: ['172.30.0.4'] },
    ]);
    // The API server's Service goes to the node's own berth server, whatever its Endpoints say.
    const api = serviceRoutes(
      [
        {
          metadata: { name: 'kubernetes', namespace: 'default' },
          spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
        },
      ],
      new Map([
        [
          'default/kubernetes',
          {
            metadata: { name: 'kubernetes', namespace: 'default' },
            subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ name: 'https', port: 4566, protocol: 'TCP' }] }],
          },
        ],
      ]),
    );
    assert.deepEqual(api.virtual, [
      { ip: '10.96.0.1', port: 443, protocol: 'tcp', backends: [{ ip: '', port: 0, controlPlane: true }] },
    ]);
  });
});
