import { randomBytes } from 'node:crypto';
import { accessDenied } from '../kernel/index.js';
import type { ReadTx } from '../store/index.js';
import { clusterKeys } from './cluster-keys.js';
import type { Scope } from './kind-def.js';
import { SERVICE_ACCOUNT } from './service-account-kind.js';
import { kubeObjects, metaOf, objectKey, type KubeObject } from './object.js';
import type { Container, PodSpec } from './pod-rules.js';
import { KUBE_API_ACCESS_SECONDS } from './service-account-tokens.js';

/** Where a pod's containers find their service account's token, the cluster's CA and their namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The ConfigMap in every namespace that holds the cluster's CA certificate (`ca.crt`). */
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';

const LETTERS = 'bcdfghjklmnpqrstvwxz2456789';
const suffix = () => [...randomBytes(5)].map((b) => LETTERS[b % LETTERS.length]).join('');

/**
 * The ServiceAccount admission plugin on a new pod: a service account other than `default` must
 * exist (`default` is made in each namespace by the service account controller, and a pod naming
 * it before then waits for it on its node); unless the pod or its service account turns
 * automounting off, every container gets the `kube-api-access-*` volume at SERVICE_ACCOUNT_DIR
 * (a token, `ca.crt`, `namespace`). A cluster without token keys mounts nothing.
 */
export function serviceAccountAdmission(tx: ReadTx, scope: Scope, pod: KubeObject): KubeObject {
  const name = metaOf(pod).name ?? '';
  if (tx.get(kubeObjects, objectKey(scope, name))) return pod;
  const spec = pod['spec'] as PodSpec & { serviceAccountName?: string; automountServiceAccountToken?: boolean };
  const saName = spec.serviceAccountName || 'default';
  const sa = tx.get(
    kubeObjects,
    objectKey({ cluster: scope.cluster, kind: SERVICE_ACCOUNT, namespace: metaOf(pod).namespace ?? '' }, saName),
  )?.value.object;
  if (!sa && saName !== 'default')
    throw accessDenied(
      `pods "${name}" is forbidden: error looking up service account ${metaOf(pod).namespace ?? ''}/${saName}: serviceaccount "${saName}" not found`,
      { resource: 'pods', name },
    );
  const automount =
    spec.automountServiceAccountToken ?? (sa?.['automountServiceAccountToken'] as boolean | null) ?? true;
  if (!automount || !tx.get(clusterKeys, scope.cluster)) return pod;
  const containers: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_DIR))) return pod;
  const volume = `kube-api-access-${suffix()}`;
  const mount = { name: volume, readOnly: true, mountPath: SERVICE_ACCOUNT_DIR };
  const withMount = (c: Container): Container => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), mount] });
  return {
    ...pod,
    spec: {
      ...spec,
      ...(spec.initContainers ? { initContainers: spec.initContainers.map(withMount) } : {}),
      containers: spec.containers.map(withMount),
      volumes: [
        ...(spec.volumes ?? []),
        {
          name: volume,
          projected: {
            defaultMode: 0o644,
            sources: [
              { serviceAccountToken: { expirationSeconds: KUBE_API_ACCESS_SECONDS, path: 'token' } },
              { configMap: { name: ROOT_CA_CONFIG_MAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              {
                downwardAPI: {
                  items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
                },
              },
            ],
          },
        },
      ],
    },
  };
}
