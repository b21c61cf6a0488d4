import type { Logger } from '../kernel/index.js';
import { clusterKeys } from './cluster-keys.js';
import { startControllerLoop } from './controller-loop.js';
import type { KubeDeps } from './deps.js';
import { CONFIG_MAP, NAMESPACE } from './kinds.js';
import { kubeObjects, kubeTombstones, metaOf, objectKey, resourcePrefix } from './object.js';
import { createUnlessExists, updateObject } from './objects.js';
import { ROOT_CA_CONFIG_MAP } from './service-account-admission.js';
import { SERVICE_ACCOUNT } from './service-account-kind.js';

/**
 * What kube-controller-manager keeps in every namespace that is not being deleted: the `default`
 * ServiceAccount (the service account controller) and the `kube-root-ca.crt` ConfigMap with the
 * cluster's CA certificate (the root CA publisher). A key per namespace; either made again when
 * deleted, the ConfigMap put back when changed.
 */
export function startServiceAccountController(deps: KubeDeps, cluster: string, logger: Logger): { stop(): void } {
  const nsPrefix = resourcePrefix({ cluster, kind: NAMESPACE });
  const saPrefix = resourcePrefix({ cluster, kind: SERVICE_ACCOUNT });
  const cmPrefix = resourcePrefix({ cluster, kind: CONFIG_MAP });
  const namespaces = () =>
    deps.store.read((tx) => tx.list(kubeObjects, { prefix: nsPrefix })).map((e) => metaOf(e.value.object).name ?? '');
  return startControllerLoop(deps, logger, {
    name: 'service account controller',
    keysOf(c) {
      if (c.table !== kubeObjects.name && c.table !== kubeTombstones.name) return [];
      if (c.key.startsWith(nsPrefix)) return [c.key.slice(nsPrefix.length).split('/')[0] as string];
      // Tombstones are keyed `<key>/<uid>`: the namespace and name come first either way.
      const [ns, name] = c.key.startsWith(saPrefix)
        ? c.key.slice(saPrefix.length).split('/')
        : c.key.startsWith(cmPrefix)
          ? c.key.slice(cmPrefix.length).split('/')
          : [];
      if (ns === undefined) return [];
      if (name === (c.key.startsWith(saPrefix) ? 'default' : ROOT_CA_CONFIG_MAP)) return [ns];
      return [];
    },
    all: namespaces,
    resyncMs: 60_000,
    async sync(ns) {
      const namespace = deps.store.read((tx) => tx.get(kubeObjects, objectKey({ cluster, kind: NAMESPACE }, ns)));
      if (!namespace || metaOf(namespace.value.object).deletionTimestamp) return;
      const sa = { cluster, kind: SERVICE_ACCOUNT, namespace: ns };
      if (!deps.store.read((tx) => tx.get(kubeObjects, objectKey(sa, 'default'))))
        await createUnlessExists(deps, sa, { metadata: { name: 'default' } });
      const ca = deps.store.read((tx) => tx.get(clusterKeys, cluster))?.value.caCert;
      if (!ca) return;
      const cm = { cluster, kind: CONFIG_MAP, namespace: ns };
      const data = { 'ca.crt': ca };
      const have = deps.store.read((tx) => tx.get(kubeObjects, objectKey(cm, ROOT_CA_CONFIG_MAP)))?.value.object;
      const annotations = {
        'kubernetes.io/description':
          'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
      };
      if (!have) await createUnlessExists(deps, cm, { metadata: { name: ROOT_CA_CONFIG_MAP, annotations }, data });
      else if (JSON.stringify(have['data']) !== JSON.stringify(data))
        await updateObject(deps, cm, ROOT_CA_CONFIG_MAP, (o) => ({ ...o, data }));
    },
  });
}
