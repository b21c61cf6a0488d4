import { defineTable } from '../store/index.js';
import { certificateAuthority, rsaKeyPair } from './certificates.js';
import type { KubeDeps } from './deps.js';

/**
 * A cluster's secrets of its own, made once and shared by every server over the store: its
 * certificate authority (certificate and key) and the key that signs its service account tokens.
 * Not an API object: no client reads them (the CA's certificate alone is published, in each
 * namespace's `kube-root-ca.crt` ConfigMap).
 */
export interface ClusterKeys {
  cluster: string;
  caCert: string;
  caKey: string;
  /** PKCS#8 and SPKI PEM of the token signing key. */
  tokenKey: string;
  tokenPublicKey: string;
}

export const clusterKeys = defineTable<ClusterKeys>('kube.cluster-keys', (k) => k.cluster, { history: false });

/** The cluster's keys, made on first use (two servers racing: the first commit wins, both use it). */
export async function ensureClusterKeys(deps: KubeDeps, cluster: string): Promise<ClusterKeys> {
  const have = deps.store.read((tx) => tx.get(clusterKeys, cluster))?.value;
  if (have) return have;
  const [ca, token] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);
  const made: ClusterKeys = {
    cluster,
    caCert: certificateAuthority(ca, `berth-${cluster}-ca`, deps.clock.now()),
    caKey: ca.key,
    tokenKey: token.key,
    tokenPublicKey: token.publicKey,
  };
  let kept = made;
  await deps.store.transact((tx) => {
    const e = tx.get(clusterKeys, cluster);
    if (e) kept = e.value;
    else {
      kept = made;
      tx.put(clusterKeys, made);
    }
  });
  return kept;
}
