import { z } from 'zod';
import type { KindDef } from './kind-def.js';
import { subdomainProblem } from './names.js';

/**
 * metrics.k8s.io/v1beta1: pods' and nodes' resource use, as metrics-server serves it for
 * `kubectl top` and autoscalers. Not stored: the API answers from the usage the hosts report.
 */
const metricsKind = (kind: string, plural: string, namespaced: boolean): KindDef => ({
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  kind,
  plural,
  singular: '',
  namespaced,
  shortNames: [],
  verbs: ['get', 'list'],
  schema: z.never(),
  nameProblem: subdomainProblem,
  virtual: true,
});

export const POD_METRICS = metricsKind('PodMetrics', 'pods', true);
export const NODE_METRICS = metricsKind('NodeMetrics', 'nodes', false);
