import type { KubeDeps } from './deps.js';
import { kubeObjects, objectKey, type KubeObject } from './object.js';
import { createUnlessExists, updateObject } from './objects.js';
import { ENDPOINTS, SERVICE } from './service-kinds.js';
import { API_SERVICE_IP } from './service-rules.js';

export const API_SERVICE = { namespace: 'default', name: 'kubernetes' } as const;

/**
 * The `kubernetes` Service in `default`, as every cluster has it: the API server at API_SERVICE_IP
 * port 443 (HTTPS). Its Endpoints name the server that wrote them last (`address`: where berth
 * listens); what pods reach is the berth server their node's agent is connected to (the route's
 * backend says `controlPlane`), so a node reaches its own server whatever address it knows it by.
 */
export async function ensureApiService(deps: KubeDeps, cluster: string, address: { ip: string; port: number }) {
  const svc = { cluster, kind: SERVICE, namespace: API_SERVICE.namespace };
  const ep = { cluster, kind: ENDPOINTS, namespace: API_SERVICE.namespace };
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  if (!deps.store.read((tx) => tx.get(kubeObjects, objectKey(svc, API_SERVICE.name))))
    await createUnlessExists(deps, svc, {
      metadata: { name: API_SERVICE.name, labels },
      spec: {
        clusterIP: API_SERVICE_IP,
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: address.port }],
        sessionAffinity: 'None',
        type: 'ClusterIP',
      },
    });
  const subsets = [
    { addresses: [{ ip: address.ip }], ports: [{ name: 'https', port: address.port, protocol: 'TCP' }] },
  ];
  const have = deps.store.read((tx) => tx.get(kubeObjects, objectKey(ep, API_SERVICE.name)))?.value.object;
  if (!have) await createUnlessExists(deps, ep, { metadata: { name: API_SERVICE.name, labels }, subsets });
  else if (JSON.stringify(have['subsets']) !== JSON.stringify(subsets))
    await updateObject(deps, ep, API_SERVICE.name, (o: KubeObject) => ({ ...o, subsets }));
}
