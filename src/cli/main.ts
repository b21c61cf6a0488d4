import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { createLogger, type Logger, type LogLevel } from '../kernel/index.js';
import {
  agentUnavailable,
  startAgent,
  type AgentOptions,
  LOCAL_AGENT_ENV,
  LocalAgent,
  defaults,
  KUBE_CLUSTER_ATTRIBUTE,
  loadKeys,
  type AuthMode,
  type BerthConfig,
  version,
  writeKubeconfig,
} from '../server/index.js';
import { agentSettings, withAgentOptions } from './agent-options.js';
import { addFargateCommands } from './fargate-commands.js';
import { addTopCommand } from './top-command.js';
import { addLogsCommand } from './logs-command.js';
import { addKubeconfigCommand } from './kubeconfig-command.js';

const int = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('not a whole number');
  return Number(v);
};

/** With --auth strict, berth up's own agent signs in with the first key of the credentials file. */
function localAgentKey(config: BerthConfig): { credentials?: { accessKeyId: string; secretAccessKey: string } } {
  if (config.auth !== 'strict') return {};
  const first = [...loadKeys(config.dataDir)][0];
  return first ? { credentials: { accessKeyId: first[0], secretAccessKey: first[1] } } : {};
}

const logLevelOption = (fallback: string) =>
  new Option('--log-level <level>', 'how much to log')
    .choices(['debug', 'info', 'warn', 'error', 'silent'])
    .default(fallback);

// `berth usage | head` closes the pipe early: that ends the output, it is not a crash.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command('berth').description('Self-hosted AWS container services').version(version);

withAgentOptions(program.command('up'))
  .description('start berth: the AWS endpoint, the registry and the control plane on one port')
  .option('--port <port>', 'port to listen on (0 picks a free one)', int, defaults.port)
  .option('--host <host>', 'address to listen on', defaults.host)
  .option('--advertise-host <name>', 'host name used in endpoints and repository URIs', defaults.advertiseHost)
  .option('--data-dir <dir>', 'where berth keeps its state', defaults.dataDir)
  .option(
    '--store <url>',
    'the state store: sqlite (<data-dir>/berth.db) or etcd://host:2379,host:2379,... (servers sharing one etcd cluster)',
    'sqlite',
  )
  .option(
    '--shared-dir <dir>',
    'with --store etcd://: the directory every server mounts (registry blobs, the sealing key)',
  )
  .option('--region <region>', 'default region', defaults.region)
  .option('--account-id <id>', 'the account berth serves', defaults.accountId)
  .option(
    '--auth <mode>',
    'open (any access key) or strict (verify SigV4 against <data-dir>/credentials)',
    defaults.auth,
  )
  .option('--registry-auth <on|off>', 'require the ECR token on /v2 (off: an open local registry)', 'on')
  .option('--create-repository-on-push', 'create a repository on first push instead of refusing it', false)
  .option(
    '--registry-maintenance-interval <seconds>',
    'how often lifecycle policies and garbage collection run',
    int,
    defaults.registryMaintenanceInterval,
  )
  .option(
    '--registry-gc-grace <seconds>',
    'how long unreferenced blobs are kept before collection',
    int,
    defaults.registryGcGrace,
  )
  .option(
    '--agent-lost-grace <seconds>',
    "how long a disconnected agent's tasks are kept before services replace them",
    int,
    defaults.agentLostGrace,
  )
  .option('--fargate-prices <list>', 'USD per hour for berth usage: vcpu=,gb=,spot-vcpu=,spot-gb=,storage=')
  .option('--spot-warning <seconds>', "a Spot interruption's warning before SIGKILL", int, defaults.spotWarning)
  .option(
    '--container-insights-interval <seconds>',
    'how often Container Insights publishes (ECS: 60; shorter to watch it in tests)',
    int,
    defaults.containerInsightsInterval,
  )
  .option(
    '--kube-hpa-period <seconds>',
    'how often Kubernetes autoscalers are evaluated (Kubernetes: 15; shorter to watch them in tests)',
    int,
    defaults.kubeHpaPeriod,
  )
  .option(
    '--target-tracking-alarm-period <seconds>',
    "the period of a target-tracking policy's alarms (AWS: 60; shorter to watch scaling happen)",
    int,
    defaults.targetTrackingAlarmPeriod,
  )
  .option(
    '--spot-interruption-rate <n>',
    'random Spot interruptions per task per hour (chaos testing)',
    (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('not a non-negative number');
      return n;
    },
    defaults.spotInterruptionRate,
  )
  .option(
    '--elb-hosts-file <path>',
    "where load balancers' DNS names are written, in a block of berth's ('none': nowhere)",
    defaults.elbHostsFile,
  )
  .addOption(
    new Option(
      '--elb-engine <engine>',
      "what serves load balancers' listeners: haproxy (Debian's) or node (berth's own)",
    )
      .choices(['haproxy', 'node'])
      .default(defaults.elbEngine),
  )
  .addOption(logLevelOption(defaults.logLevel))
  .option('--no-agent', 'do not run tasks on this host')
  .option('--no-fargate', "do not offer this host's agent to the Fargate fleet")
  .action(async (o: Record<string, string | number | boolean>) => {
    if (o.registryAuth !== 'on' && o.registryAuth !== 'off') {
      process.stderr.write(`berth: --registry-auth must be on or off, not '${String(o.registryAuth)}'\n`);
      process.exit(1);
    }
    const config: BerthConfig = {
      port: o.port as number,
      host: o.host as string,
      advertiseHost: o.advertiseHost as string,
      dataDir: resolve(o.dataDir as string),
      region: o.region as string,
      accountId: o.accountId as string,
      auth: o.auth as AuthMode,
      registryAuth: o.registryAuth !== 'off',
      createRepositoryOnPush: Boolean(o.createRepositoryOnPush),
      registryMaintenanceInterval: o.registryMaintenanceInterval as number,
      registryGcGrace: o.registryGcGrace as number,
      agentLostGrace: o.agentLostGrace as number,
      ...(o.fargatePrices ? { fargatePrices: o.fargatePrices as string } : {}),
      spotWarning: o.spotWarning as number,
      spotInterruptionRate: o.spotInterruptionRate as number,
      targetTrackingAlarmPeriod: o.targetTrackingAlarmPeriod as number,
      containerInsightsInterval: o.containerInsightsInterval as number,
      kubeHpaPeriod: o.kubeHpaPeriod as number,
      elbHostsFile: o.elbHostsFile as string,
      elbEngine: o.elbEngine as 'haproxy' | 'node',
      logLevel: o.logLevel as LogLevel,
      store: o.store as string,
      ...(o.sharedDir ? { sharedDir: resolve(o.sharedDir as string) } : {}),
    };
    const logger = createLogger(config.logLevel);
    let berth;
    try {
      const { startBerth } = await import('../server/index.js');
      berth = await startBerth(config, logger);
    } catch (e) {
      process.stderr.write(`berth: ${(e as Error).message}\n`);
      process.exit(1);
    }
    const running = berth;
    let agent: LocalAgent | undefined;
    if (o.agent !== false) {
      const why = agentUnavailable(o.runtime as string);
      if (why) process.stderr.write(`berth: no local agent: ${why}; tasks will not run on this host\n`);
      else {
        agent = new LocalAgent(
          {
            endpoint: `http://127.0.0.1:${running.port}`,
            cluster: 'default',
            fargate: o.fargate !== false,
            dataDir: `${config.dataDir}/agent`,
            ...localAgentKey(config),
            ...agentSettings(o),
          },
          config.logLevel,
          logger,
        );
        agent.start();
      }
    }
    process.stdout.write(
      `berth ${version} listening on ${running.endpoint} (region ${config.region}, account ${config.accountId}, data ${config.dataDir})\n` +
        `try: aws --endpoint-url ${running.endpoint} sts get-caller-identity\n` +
        `     KUBECONFIG=${writeKubeconfig(config.dataDir, running.endpoint, running.kubeTls)} kubectl get namespaces\n`,
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`berth: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`berth: ${signal} received, finishing in-flight requests\n`);
      Promise.all([agent?.stop(), running.close()]).then(
        () => {
          process.stdout.write('berth: stopped\n');
          process.exit(0);
        },
        (e: unknown) => {
          process.stderr.write(`berth: error while stopping: ${(e as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

const collect = (v: string, acc: Record<string, string>) => {
  const i = v.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...acc, [v.slice(0, i)]: v.slice(i + 1) };
};

withAgentOptions(program.command('agent'))
  .description('run the node agent: register this host with a cluster and run its tasks under runc')
  .requiredOption(
    '--endpoint <url>',
    'the berth endpoint, e.g. http://10.0.0.5:4566; several servers sharing an etcd cluster: their endpoints separated by commas',
  )
  .option('--cluster <name>', 'the cluster to join (default: default, or none with --fargate)')
  .option('--region <region>', "the region whose tasks this host runs (default: berth's default region)")
  .option('--fargate', 'also (without --cluster: only) run Fargate tasks, as a host of the Fargate fleet', false)
  .option('--data-dir <dir>', 'where the agent keeps images, snapshots and task state', '/var/lib/berth-agent')
  .option('--availability-zone <az>', 'the ecs.availability-zone attribute', 'local-1a')
  .option('--attribute <key=value>', 'a custom attribute (repeatable)', collect, {})
  .addOption(
    new Option(
      '--kube-cluster <name>',
      'the Kubernetes cluster this host is a node of (hosts of cluster default are nodes of default already; none: not a node)',
    ).choices(['default', 'none']),
  )
  .addOption(logLevelOption('info'))
  .action(async (o: Record<string, unknown>) => {
    const why = agentUnavailable(o.runtime as string);
    if (why) {
      process.stderr.write(`berth agent: ${why}\n`);
      process.exit(1);
    }
    const logger = createLogger(o.logLevel as LogLevel);
    const cluster = (o.cluster as string | undefined) ?? (o.fargate ? undefined : 'default');
    const agent = await startAgentOrExit(
      {
        endpoint: o.endpoint as string,
        ...(o.region ? { region: o.region as string } : {}),
        ...(cluster ? { cluster } : {}),
        fargate: o.fargate === true,
        dataDir: resolve(o.dataDir as string),
        availabilityZone: o.availabilityZone as string,
        attributes: {
          ...(o.attribute as Record<string, string>),
          ...(o.kubeCluster ? { [KUBE_CLUSTER_ATTRIBUTE]: o.kubeCluster as string } : {}),
        },
        // As the AWS tools take them: needed when berth runs with --auth strict.
        ...(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY
          ? {
              credentials: {
                accessKeyId: process.env.AWS_ACCESS_KEY_ID,
                secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
              },
            }
          : {}),
        ...agentSettings(o),
      },
      logger,
      'berth agent',
    );
    const joins = [cluster ? `cluster ${cluster}` : '', o.fargate ? 'the Fargate fleet' : ''].filter(Boolean);
    const where = o.region ? ` in ${String(o.region)}` : '';
    process.stdout.write(`berth agent ${version} joining ${joins.join(' and ')}${where} at ${String(o.endpoint)}\n`);
    stopOnSignals(agent);
  });

/** Starts an agent, or says in one line why it cannot and exits 1. */
async function startAgentOrExit(options: AgentOptions, logger: Logger, prefix: string) {
  return startAgent(options, logger).catch((e: unknown) => {
    process.stderr.write(`${prefix}: ${(e as Error).message}\n`);
    process.exit(1);
  });
}

/** SIGINT and SIGTERM stop the agent and the process (its containers run on); the stop, for other triggers. */
function stopOnSignals(agent: { stop(): Promise<void> }): () => void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void agent.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return stop;
}

// berth up's own agent (server/local-agent.ts): settings from the environment, gone with its parent.
program
  .command('local-agent', { hidden: true })
  .addOption(logLevelOption('info'))
  .action(async (o: { logLevel: LogLevel }) => {
    const settings = process.env[LOCAL_AGENT_ENV];
    if (!settings) {
      process.stderr.write('berth local-agent: started by berth up only\n');
      process.exit(1);
    }
    const agent = await startAgentOrExit(
      JSON.parse(settings) as AgentOptions,
      createLogger(o.logLevel),
      'berth: the local agent cannot start',
    );
    const stop = stopOnSignals(agent);
    process.stdin.on('end', stop).on('close', stop).on('error', stop).resume();
  });

addLogsCommand(program);
addKubeconfigCommand(program);
addFargateCommands(program);
addTopCommand(program);

await program.parseAsync(process.argv);
