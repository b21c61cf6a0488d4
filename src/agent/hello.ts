import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, hostname, totalmem } from 'node:os';

// What this agent can do, advertised as ECS capability attributes.
const CAPABILITIES = [
  'ecs.capability.container-health-check',
  'ecs.capability.container-ordering',
  'ecs.capability.task-eni',
  // Task roles' credentials at 169.254.170.2, in bridge and awsvpc mode and on the host's network.
  'com.amazonaws.ecs.capability.task-iam-role',
  'com.amazonaws.ecs.capability.task-iam-role-network-host',
  'com.amazonaws.ecs.capability.logging-driver.awslogs',
  'com.amazonaws.ecs.capability.docker-remote-api.1.18',
  'com.amazonaws.ecs.capability.docker-remote-api.1.44',
];

/** What of the agent's settings its registration reads (AgentConfig has them all). */
export interface HelloSettings {
  cluster?: string;
  fargate?: boolean;
  fargateCpuOvercommit?: number;
  availabilityZone: string;
  attributes: Record<string, string>;
  memoryReserveMiB: number;
  version: string;
}

/** The registration an agent sends on every (re)connect: its resources, attributes and identity. */
export function helloMessage(config: HelloSettings, instanceId: string | undefined) {
  const attrs = [
    { name: 'ecs.os-type', value: 'linux' },
    { name: 'ecs.os-family', value: 'LINUX' },
    { name: 'ecs.cpu-architecture', value: process.arch === 'x64' ? 'x86_64' : process.arch },
    { name: 'ecs.availability-zone', value: config.availabilityZone },
    { name: 'ecs.instance-type', value: 'berth.host' },
    ...CAPABILITIES.map((name) => ({ name })),
    ...Object.entries(config.attributes).map(([name, value]) => ({ name, value })),
  ];
  const memory = Math.floor(totalmem() / 1024 / 1024) - config.memoryReserveMiB;
  return {
    type: 'hello',
    ...(config.cluster ? { cluster: config.cluster } : {}),
    ...(config.fargate ? { fargate: true } : {}),
    ...(instanceId ? { containerInstanceId: instanceId } : {}),
    hostname: hostname(),
    agentVersion: config.version,
    resources: {
      cpu: cpus().length * 1024,
      memory,
      ports: ['22/tcp', '2375/tcp', '2376/tcp', '51678/tcp', '51679/tcp'],
      gpus: 0,
    },
    attributes: attrs,
    ...(config.fargate
      ? {
          fargateResources: {
            cpu: Math.round(cpus().length * 1024 * (config.fargateCpuOvercommit ?? 4)),
            memory,
          },
        }
      : {}),
  };
}

/**
 * The container instance this host registered as before, if it registered for the same cluster
 * (or the Fargate fleet): kept in `<data-dir>/agent.json`.
 */
export async function savedInstanceId(dataDir: string, cluster: string): Promise<string | undefined> {
  try {
    const saved = JSON.parse(await readFile(join(dataDir, 'agent.json'), 'utf8')) as {
      cluster: string;
      containerInstanceId: string;
    };
    return saved.cluster === cluster ? saved.containerInstanceId : undefined;
  } catch {
    return undefined; // first start
  }
}
