import { Agent, type AgentConfig, findBinary } from '../agent/index.js';
export { PULL_BEHAVIORS, type PullBehavior } from '../agent/index.js';
import type { Logger } from '../kernel/index.js';
import { version } from './version.js';

export type AgentOptions = Pick<AgentConfig, 'endpoint' | 'dataDir'> & Partial<AgentConfig>;

/** Why this host cannot run tasks, if it cannot: the agent needs root, the OCI runtime and conmon. */
export function agentUnavailable(runtime = 'runc'): string | undefined {
  if (process.getuid?.() !== 0) return `the agent runs containers with ${runtime} and needs root`;
  for (const bin of [runtime, 'conmon']) {
    if (!findBinary(bin)) return `${bin} is not installed (scripts/install.sh installs it)`;
  }
  return undefined;
}

export async function startAgent(options: AgentOptions, logger: Logger): Promise<Agent> {
  const agent = new Agent(
    {
      attributes: {},
      availabilityZone: 'local-1a',
      memoryReserveMiB: 256,
      network: { cniPath: '/usr/lib/cni', bridge: 'berth0', subnet: '172.29.0.0/16' },
      version,
      ...options,
    },
    logger,
  );
  await agent.start();
  return agent;
}
