import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { createLogger, type LogLevel } from '../kernel/logger.js';
import { startBerth } from '../server/berth.js';
import { defaults, type AuthMode, type BerthConfig } from '../server/config.js';
import { version } from '../server/version.js';

const int = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('not a whole number');
  return Number(v);
};

const program = new Command('berth').description('Self-hosted AWS container services').version(version);

program
  .command('up')
  .description('start berth: the AWS endpoint, the registry and the control plane on one port')
  .option('--port <port>', 'port to listen on (0 picks a free one)', int, defaults.port)
  .option('--host <host>', 'address to listen on', defaults.host)
  .option('--advertise-host <name>', 'host name used in endpoints and repository URIs', defaults.advertiseHost)
  .option('--data-dir <dir>', 'where berth keeps its state', defaults.dataDir)
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
  .option('--log-level <level>', 'debug, info, warn, error or silent', defaults.logLevel)
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
      logLevel: o.logLevel as LogLevel,
    };
    const logger = createLogger(config.logLevel);
    let berth;
    try {
      berth = await startBerth(config, logger);
    } catch (e) {
      process.stderr.write(`berth: ${(e as Error).message}\n`);
      process.exit(1);
    }
    const running = berth;
    process.stdout.write(
      `berth ${version} listening on ${running.endpoint} (region ${config.region}, account ${config.accountId}, data ${config.dataDir})\n` +
        `try: aws --endpoint-url ${running.endpoint} sts get-caller-identity\n`,
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`berth: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`berth: ${signal} received, finishing in-flight requests\n`);
      running.close().then(
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

await program.parseAsync(process.argv);
