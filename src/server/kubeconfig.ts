import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/** HTTPS to the cluster: its CA, and a client certificate when the API asks for credentials (--auth strict). */
export interface KubeTls {
  ca: string;
  client?: { cert: string; key: string };
}

/**
 * A kubeconfig for a berth's Kubernetes cluster: its server is `<endpoint>/k8s/<cluster>` (berth
 * serves Kubernetes on its one port, under a path), the context named `berth-<cluster>`. With
 * --auth open no credentials are needed, so the user has none; with `tls`, the server is HTTPS
 * and the user the client certificate given.
 */
export function kubeconfig(endpoint: string, cluster = 'default', tls?: KubeTls): string {
  const name = `berth-${cluster}`;
  const base = tls ? endpoint.replace(/^http:/, 'https:') : endpoint;
  const server = `${base.replace(/\/+$/, '')}/k8s/${encodeURIComponent(cluster)}`;
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${JSON.stringify(server)}`,
    ...(tls ? [`    certificate-authority-data: ${b64(tls.ca)}`] : []),
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    '    namespace: default',
    `current-context: ${name}`,
    'users:',
    `- name: ${name}`,
    ...(tls?.client
      ? [
          '  user:',
          `    client-certificate-data: ${b64(tls.client.cert)}`,
          `    client-key-data: ${b64(tls.client.key)}`,
        ]
      : ['  user: {}']),
    'preferences: {}',
    '',
  ].join('\n');
}

/** Writes `<data-dir>/kubeconfig` whole (a draft renamed into place); returns its path. */
export function writeKubeconfig(dataDir: string, endpoint: string, tls?: KubeTls): string {
  const path = join(dataDir, 'kubeconfig');
  writeFileSync(`${path}.draft`, kubeconfig(endpoint, 'default', tls), { mode: 0o600 });
  renameSync(`${path}.draft`, path);
  return path;
}
