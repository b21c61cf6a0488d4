import Fastify, { type FastifyInstance } from 'fastify';
import { awsApiPlugin, type AuthConfig } from '../aws-api/index.js';
import { eksIdentity } from './eks-identity.js';
import type { ControlPlaneDeps } from '../control-plane/index.js';
import { credentialOf, decider, sessionExpired } from '../iam/index.js';
import { registryAuthorization } from './registry-authz.js';
import { type Clock, newRequestId, type Logger } from '../kernel/index.js';
import { type RegistryDeps, registryPlugin } from '../registry/index.js';
import { kubeApiPlugin, podStreamsUpgrade } from '../kube-api/index.js';
import {
  KUBE_CLUSTER,
  type KubeDeps,
  type PodExecSource,
  type PodHosts,
  type PodLogSource,
  type PodUsage,
} from '../kube/index.js';
import { UpgradeRoutes } from './upgrades.js';
import { kubeRootRewrite, serveTlsAlongside } from './edge-tls.js';
import type { SecureContextOptions } from 'node:tls';
import type { BerthConfig } from './config.js';
import { Regions } from './regions.js';
import { version } from './version.js';

export { awsServices } from './regions.js';

export interface AppDeps {
  config: BerthConfig;
  keys: ReadonlyMap<string, string>;
  clock: Clock;
  logger: Logger;
  registry: RegistryDeps;
  controlPlane: ControlPlaneDeps;
  /** Every region served, the default one being `registry` and `controlPlane` (default: only that one). */
  regions?: Regions;
  /** The Kubernetes face (berth.ts makes it with the agents' sessions); without: objects only, no pods run. */
  kube?: { deps: KubeDeps; pods?: PodHosts; logs?: PodLogSource; exec?: PodExecSource; usage?: PodUsage };
  /** HTTPS beside HTTP on the edge port, with this context (none: HTTP alone). */
  tls?: () => Promise<SecureContextOptions>;
}

export const SOCKET_IDLE_MS = 30_000;
export const HEADERS_TIMEOUT_MS = 20_000;
export const REQUEST_TIMEOUT_MS = 10 * 60_000;

export const registryGcOptions = (c: BerthConfig) => ({
  graceMs: c.registryGcGrace * 1000,
  uploadTtlMs: 24 * 60 * 60 * 1000,
});

/** The one fastify instance: each module mounts itself as a plugin. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const regions = deps.regions ?? new Regions({ registry: deps.registry, controlPlane: deps.controlPlane });
  // Over TLS, the Kubernetes API answers at its own paths too (in-cluster clients ask there).
  const rewrite = kubeRootRewrite(KUBE_CLUSTER);
  const app = Fastify({
    logger: false,
    rewriteUrl: rewrite,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    genReqId: () => newRequestId(),
    // A client that stops sending is cut off: 30 s with no bytes on a connection (idle or not),
    // headers within 20 s, a whole request (a layer upload included) within 10 minutes. An AWS
    // call's body has its own 30 s (aws-api/body.ts). A cut upload releases its session.
    connectionTimeout: SOCKET_IDLE_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
  });
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  if (deps.tls) serveTlsAlongside(app.server, deps.tls);
  app.decorate('upgrades', new UpgradeRoutes(app.server, rewrite));
  // Streams over upgraded connections (kubectl exec, port-forward) end with the server; the
  // agents' sessions have been ended before (berth.ts).
  app.addHook('preClose', (done) => {
    app.upgrades.closeAll();
    done();
  });
  if (deps.config.auth === 'strict') {
    // In strict mode nothing under /_berth acts for an unauthenticated caller. Health and the
    // signed layer links (which carry their own signature) stay open.
    // A callback hook, not an async one: it runs before every request, most of them AWS calls.
    app.addHook('onRequest', (request, reply, done) => {
      const url = request.raw.url ?? '/';
      if (!url.startsWith('/_berth/')) return done();
      const path = url.split('?')[0] ?? '/';
      if (path === '/_berth/health' || path.startsWith('/_berth/registry/layers/')) return done();
      void reply
        .code(403)
        .send({ error: 'AccessDenied', message: 'the /_berth endpoints are only served with --auth open' });
    });
  }
  // Every response carries a request id, as AWS's do; the AWS layer sets its own before this runs.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('x-amzn-requestid')) reply.header('x-amzn-requestid', request.id);
    done(null, payload);
  });
  app.get('/_berth/health', async () => ({ status: 'ok', version }));
  const auth: AuthConfig = {
    mode: deps.config.auth,
    keys: deps.keys,
    issued: (id: string) => {
      const c = credentialOf(regions.iam, id);
      // Spelled out rather than spread: this runs for every signed call.
      return (
        c && {
          secret: c.secret,
          principal: c.principal,
          ...(c.sessionToken !== undefined ? { sessionToken: c.sessionToken } : {}),
          expired: sessionExpired(regions.iam, c),
        }
      );
    },
  };
  // With --auth strict the Kubernetes API takes EKS tokens signed with berth's keys.
  const awsIdentity =
    deps.config.auth === 'strict'
      ? { awsIdentity: eksIdentity(auth, deps.config.accountId, () => deps.clock.now()) }
      : {};
  // Kubernetes: one cluster, `default`, over the default region's store (EKS clusters come later).
  const kube = deps.kube ?? { deps: { store: deps.controlPlane.store, clock: deps.clock, logger: deps.logger } };
  // The one cluster served, as both the REST routes and the pods' streams look it up.
  const cluster = (name: string) => (name === KUBE_CLUSTER ? kube.deps : undefined);
  const pods = kube.pods ? { pods: (name: string) => (name === KUBE_CLUSTER ? kube.pods : undefined) } : {};
  await app.register(kubeApiPlugin, {
    cluster,
    strict: deps.config.auth === 'strict',
    ...awsIdentity,
    version,
    ...pods,
    ...(kube.logs ? { logs: kube.logs } : {}),
    ...(kube.usage ? { usage: (name: string) => (name === KUBE_CLUSTER ? kube.usage : undefined) } : {}),
  });
  // kubectl exec and port-forward: protocol upgrades, which never reach the plugin's routes.
  app.upgrades.add(
    '/k8s/',
    podStreamsUpgrade({
      strict: deps.config.auth === 'strict',
      ...awsIdentity,
      cluster,
      ...pods,
      ...(kube.exec ? { exec: kube.exec } : {}),
    }),
  );
  await app.register(registryPlugin, {
    deps: deps.registry,
    region: (name: string) => regions.get(name)?.registry,
    all: () => regions.all().map((r) => r.registry),
    auth: deps.config.registryAuth,
    gc: registryGcOptions(deps.config),
    realm: `http://${deps.config.advertiseHost}`,
    ...(deps.config.auth === 'strict'
      ? {
          authorize: (password: string, action: string, repository: string | undefined, r: RegistryDeps) =>
            registryAuthorization(regions.iam, deps.keys, password, action, repository, r),
        }
      : {}),
  });
  await app.register(awsApiPlugin, {
    services: regions.default.services,
    // Each call reads what every server committed before it (a no-op over one process's store).
    regional: async (name: string) => {
      const r = await regions.opened(name);
      await r?.controlPlane.store.fresh();
      return r?.services;
    },
    auth,
    decide: (principal) => decider(regions.iam, principal),
    accountId: deps.config.accountId,
    clock: deps.clock,
    logger: deps.logger,
  });
  return app;
}
