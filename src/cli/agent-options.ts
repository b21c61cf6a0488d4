import { InvalidArgumentError, Option, type Command } from 'commander';
import { PULL_BEHAVIORS, type AgentOptions, type PullBehavior } from '../server/index.js';

const seconds = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('not a whole number of seconds');
  return Number(v);
};

const behavior = (v: string) => {
  if (!(PULL_BEHAVIORS as readonly string[]).includes(v))
    throw new InvalidArgumentError(`must be one of ${PULL_BEHAVIORS.join(', ')}`);
  return v as PullBehavior;
};

/** A default from the ECS agent's environment variable, so an ecs.config carries over. */
function fromEnv<T>(name: string, parse: (v: string) => T, fallback: string): T {
  try {
    return parse(process.env[name] ?? fallback);
  } catch (e) {
    process.stderr.write(`berth: ${name}: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

// Durations the agent takes in seconds: flag, what it sets, the ECS agent variable, its default.
const DURATIONS: [string, string, string, string][] = [
  [
    '--image-cleanup-interval',
    'how often unused images and old task directories are removed',
    'ECS_IMAGE_CLEANUP_INTERVAL_SECONDS',
    '1800',
  ],
  ['--image-minimum-cleanup-age', 'how long an unused image is kept', 'ECS_IMAGE_MINIMUM_CLEANUP_AGE_SECONDS', '3600'],
  [
    '--task-cleanup-wait',
    "how long a stopped task's directory and logs are kept",
    'ECS_ENGINE_TASK_CLEANUP_WAIT_SECONDS',
    '10800',
  ],
  [
    '--usage-interval',
    "how often each task's CPU and memory use is read from its cgroups and sent (AWS/ECS metrics)",
    'BERTH_USAGE_INTERVAL_SECONDS',
    '20',
  ],
];

/** The options every command that runs an agent takes (`berth up` and `berth agent`). */
export function withAgentOptions(cmd: Command): Command {
  cmd
    .addOption(
      new Option('--runtime <name>', 'the OCI runtime: runc, or crun where the cgroup layout allows')
        .choices(['runc', 'crun'])
        .default('runc'),
    )
    // Two agents on one host need a bridge and a subnet each (each allocates its own addresses).
    .option('--subnet <cidr>', 'the subnet for bridge and awsvpc tasks', '172.29.0.0/16')
    .option('--bridge <name>', 'the host bridge for task networks', 'berth0')
    .option(
      '--image-pull-behavior <behavior>',
      `as ECS_IMAGE_PULL_BEHAVIOR: ${PULL_BEHAVIORS.join(', ')}`,
      behavior,
      fromEnv('ECS_IMAGE_PULL_BEHAVIOR', behavior, 'default'),
    );
  cmd.option(
    '--fargate-cpu-overcommit <factor>',
    'Fargate vCPUs offered per core (each task is held to its own CPU by its cgroup)',
    (v: string) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError('a positive number');
      return n;
    },
    4,
  );
  for (const [flag, what, env, fallback] of DURATIONS) {
    cmd.option(`${flag} <seconds>`, what, seconds, fromEnv(env, seconds, fallback));
  }
  return cmd;
}

/** The agent settings those options chose. */
export function agentSettings(o: Record<string, unknown>): Partial<AgentOptions> {
  return {
    runtime: o.runtime as string,
    network: { cniPath: '/usr/lib/cni', bridge: o.bridge as string, subnet: o.subnet as string },
    fargateCpuOvercommit: o.fargateCpuOvercommit as number,
    imagePullBehavior: o.imagePullBehavior as PullBehavior,
    cleanupIntervalMs: (o.imageCleanupInterval as number) * 1000,
    usageIntervalMs: (o.usageInterval as number) * 1000,
    housekeeping: {
      imageMinimumAgeMs: (o.imageMinimumCleanupAge as number) * 1000,
      taskCleanupWaitMs: (o.taskCleanupWait as number) * 1000,
    },
  };
}
