import type { Hello } from '../wire/index.js';
import { getCluster } from './clusters.js';
import { registerContainerInstance, registerFleetHost, sharePoolMemory } from './container-instances.js';
import type { ControlPlaneDeps } from './deps.js';
import { FLEET, type ContainerInstanceRecord } from './tables.js';

export interface RegisteredHost {
  /** The ECS cluster it is a container instance of, if any. */
  cluster?: string;
  /** Its record: the container instance's, or the fleet host's. */
  record: ContainerInstanceRecord;
  /** Whether it serves the Fargate fleet. */
  fleet: boolean;
}

/**
 * An agent's hello as the host it registers: a container instance of its cluster, a Fargate
 * fleet host, or both under one identity (the fleet host takes the container instance's id).
 */
export async function registerAgentHost(
  deps: ControlPlaneDeps,
  h: Hello,
  remoteAddress: string | undefined,
): Promise<RegisteredHost> {
  if (!h.cluster && !h.fargate) throw new Error('hello names no cluster and does not serve the Fargate fleet');
  const input = {
    ...(h.ec2InstanceId ? { ec2InstanceId: h.ec2InstanceId } : {}),
    cpu: h.resources.cpu,
    memory: h.resources.memory,
    ports: h.resources.ports,
    gpus: h.resources.gpus,
    attributes: h.attributes,
    agentVersion: h.agentVersion,
    ...(h.hostname ? { hostname: h.hostname } : {}),
    ...(remoteAddress ? { address: remoteAddress } : {}),
    agentConnected: true,
  };
  const cluster = h.cluster ? getCluster(deps, h.cluster).name : undefined;
  const pools = [...(cluster ? [cluster] : []), ...(h.fargate ? [FLEET] : [])];
  let rec: ContainerInstanceRecord | undefined;
  if (cluster)
    rec = await registerContainerInstance(deps, {
      cluster,
      ...(h.containerInstanceId ? { containerInstanceId: h.containerInstanceId } : {}),
      ...input,
      pools,
    });
  const id = rec?.id ?? h.containerInstanceId;
  const host = h.fargate
    ? await registerFleetHost(deps, {
        ...(id ? { containerInstanceId: id } : {}),
        ...input,
        pools,
        ...(h.fargateResources ? { cpu: h.fargateResources.cpu, memory: h.fargateResources.memory } : {}),
      })
    : undefined;
  const record = (rec ?? host) as ContainerInstanceRecord;
  await sharePoolMemory(deps, pools, record.id);
  return { ...(cluster ? { cluster } : {}), record, fleet: host !== undefined };
}
