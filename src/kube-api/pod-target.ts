import { invalidParameter } from '../kernel/index.js';
import {
  getObject,
  metaOf,
  workloadIdOf,
  type KubeDeps,
  type KubeObject,
  type PodHosts,
  type Scope,
} from '../kube/index.js';

const bad = (message: string) => invalidParameter(message, { reason: 'malformed' });

/** A running pod a stream is for, and where it runs. */
export interface PodTarget {
  pod: KubeObject;
  name: string;
  uid: string;
  hostId: string;
  taskId: string;
}

/** The pod, if it runs somewhere: a finished pod or one not yet placed has nothing to stream. */
export function podTarget(deps: KubeDeps, scope: Scope, name: string, hosts: PodHosts, verb: string): PodTarget {
  const pod = getObject(deps, scope, name);
  const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed')
    throw bad(`cannot ${verb} into a container in a completed pod; current phase is ${phase}`);
  const { hostId } = hosts.nodeOf(pod);
  if (!hostId) throw bad(`pod ${name} does not have a host assigned`);
  return { pod, name, uid: metaOf(pod).uid ?? '', hostId, taskId: workloadIdOf(pod) };
}
