import Fastify, { type FastifyInstance } from 'fastify';
import { awsApiPlugin } from '../aws-api/plugin.js';
import type { AwsService } from '../aws-api/service.js';
import { ecrService } from '../aws-api/ecr/ecr-service.js';
import { ecsService } from '../aws-api/ecs/ecs-service.js';
import { logsService } from '../aws-api/logs/logs-service.js';
import type { ControlPlaneDeps } from '../control-plane/deps.js';
import { stsService } from '../aws-api/sts/sts-service.js';
import type { Clock } from '../kernel/clock.js';
import { newRequestId } from '../kernel/context.js';
import type { Logger } from '../kernel/logger.js';
import type { RegistryDeps } from '../registry/deps.js';
import { registryPlugin } from '../registry/http/registry-plugin.js';
import type { BerthConfig } from './config.js';
import { version } from './version.js';

export interface AppDeps {
  config: BerthConfig;
  keys: ReadonlyMap<string, string>;
  clock: Clock;
  logger: Logger;
  registry: RegistryDeps;
  controlPlane: ControlPlaneDeps;
}

export const registryGcOptions = (c: BerthConfig) => ({
  graceMs: c.registryGcGrace * 1000,
  uploadTtlMs: 24 * 60 * 60 * 1000,
});

/** The one fastify instance: each module mounts itself as a plugin. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    genReqId: () => newRequestId(),
  });
  // Every response carries a request id, as AWS's do; the AWS layer sets its own before this runs.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('x-amzn-requestid')) reply.header('x-amzn-requestid', request.id);
    done(null, payload);
  });
  app.get('/_berth/health', async () => ({ status: 'ok', version }));
  await app.register(registryPlugin, {
    deps: deps.registry,
    auth: deps.config.registryAuth,
    gc: registryGcOptions(deps.config),
    realm: `http://${deps.config.advertiseHost}`,
  });
  const services: AwsService[] = [
    stsService(),
    ecrService(deps.registry),
    ecsService(deps.controlPlane),
    logsService(deps.controlPlane),
  ];
  await app.register(awsApiPlugin, {
    services,
    auth: { mode: deps.config.auth, keys: deps.keys },
    accountId: deps.config.accountId,
    clock: deps.clock,
    logger: deps.logger,
    bodyLimit: 64 * 1024 * 1024,
  });
  return app;
}
