import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A kubeconfig for a berth's Kubernetes cluster: its server is `<endpoint>/k8s/<cluster>` (berth
 * serves Kubernetes on its one port, under a path), the context named `berth-<cluster>`. With
 * --auth open no credentials are needed, so the user has none.
 */
export function kubeconfig(endpoint: string, cluster = 'default'): string {
  const name = `berth-${cluster}`;
  const server = `${endpoint.replace(/\/+$/, '')}/k8s/${encodeURIComponent(cluster)}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${JSON.stringify(server)}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    '    namespace: default',
    `current-context: ${name}`,
    'users:',
    `- name: ${name}`,
    '  user: {}',
    'preferences: {}',
    '',
  ].join('\n');
}

/** Writes `<data-dir>/kubeconfig` whole (a draft renamed into place); returns its path. */
export function writeKubeconfig(dataDir: string, endpoint: string): string {
  const path = join(dataDir, 'kubeconfig');
  writeFileSync(`${path}.draft`, kubeconfig(endpoint), { mode: 0o600 });
  renameSync(`${path}.draft`, path);
  return path;
}
