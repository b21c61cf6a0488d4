import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { API_SERVICE_IP, clientCertificate, rsaKeyPair, servingCertificate, type ClusterKeys } from '../kube/index.js';

/** The names and addresses this server answers to: in-cluster names, the host's, the advertised one. */
export function servingNames(advertiseHost: string, listenHost: string): { dns: string[]; ips: string[] } {
  const dns = [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    hostname(),
  ];
  const ips = ['127.0.0.1', '::1', API_SERVICE_IP];
  for (const h of [advertiseHost, listenHost]) {
    if (isIP(h)) {
      if (h !== '0.0.0.0' && h !== '::') ips.push(h);
    } else if (h) dns.push(h);
  }
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) ips.push(a.address);
  return { dns, ips };
}

/**
 * The edge's TLS context: a serving certificate of this server's own, signed by the cluster's CA
 * (so in-cluster clients, which trust `ca.crt`, trust it), made once when first asked for.
 */
export function kubeTlsContext(keys: ClusterKeys, names: { dns: string[]; ips: string[] }) {
  let made: Promise<SecureContextOptions> | undefined;
  return () =>
    (made ??= rsaKeyPair().then((pair) => ({
      key: pair.key,
      cert: servingCertificate({ cert: keys.caCert, key: keys.caKey }, pair, names, new Date()),
      // Client certificates are asked for, and checked against the cluster CA, but not required.
      ca: keys.caCert,
      requestCert: true,
      rejectUnauthorized: false,
    })));
}

/** The address the `kubernetes` Endpoints show for this server: where it listens, else the host's first address. */
export function apiAddress(listenHost: string): string {
  if (isIP(listenHost) === 4 && listenHost !== '0.0.0.0') return listenHost;
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

/** A kubeconfig user of the cluster's `system:masters`: a client certificate and its key. */
export async function adminCredentials(keys: ClusterKeys): Promise<{ cert: string; key: string }> {
  const pair = await rsaKeyPair();
  return {
    key: pair.key,
    cert: clientCertificate(
      { cert: keys.caCert, key: keys.caKey },
      pair,
      { user: 'kubernetes-admin', groups: ['system:masters'] },
      new Date(),
    ),
  };
}
