import { startSpotChaos, recordStopped, parsePrices } from '../fargate/index.js';
import { mountFargateEndpoints } from './fargate-endpoint.js';
import { mountTopEndpoint } from './top-endpoint.js';
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { systemClock, createLogger, every, type Logger, Lifecycle } from '../kernel/index.js';
import { FsBlobStore } from '../blob/index.js';
import {
  AgentSessions,
  startServiceController,
  purgeStoppedTasks,
  expireClientTokens,
  publishContainerInsights,
} from '../control-plane/index.js';
import type { StoreView } from '../store/index.js';
import { openState, type RegionState } from './state.js';
import { LeaderWork } from './leader-work.js';
import { Regions, type RegionDeps } from './regions.js';
import { startMaintenance, mintToken, registryAliases } from '../registry/index.js';
import { AgentVerifier } from '../wire/index.js';
import { expireEvents, pruneEventFiles } from '../logs/index.js';
import { DataPlane, HaproxyEngine, HostsFile } from '../elb/index.js';
import { evaluateAlarms, evaluateCompositeAlarms, recordMetrics, rollUpMetrics } from '../metrics/index.js';
import { runScaling } from '../autoscaling/index.js';
import { ensureClusterKeys, KUBE_CLUSTER } from '../kube/index.js';
import { kubeLoadBalancers } from './kube-load-balancers.js';
import { kubeIngressBalancers } from './kube-ingress-balancers.js';
import { startKubernetes } from './kube-startup.js';
import { kubeFace } from './kube-face.js';
import { mountAgentEndpoint } from './agent-endpoint.js';
import { mountLogsEndpoint } from './logs-endpoint.js';
import { buildApp, registryGcOptions } from './app.js';
import { adminCredentials, apiAddress, kubeTlsContext, servingNames } from './kube-tls.js';
import type { KubeTls } from './kubeconfig.js';
import { credentialsPath, etcdEndpoints, loadKeys, validateConfig, type BerthConfig } from './config.js';
import { Sealer } from '../iam/index.js';
import { DataDirLock } from './data-dir-lock.js';

export interface RunningBerth {
  /** The endpoint users point their tools at. */
  endpoint: string;
  port: number;
  store: StoreView;
  app: FastifyInstance;
  /** With --auth strict: the cluster CA and a `system:masters` client certificate for the kubeconfig. */
  kubeTls?: KubeTls;
  /** Stops taking requests, lets in-flight ones finish, closes the store, releases the data dir. */
  close(): Promise<void>;
}

export async function startBerth(
  config: BerthConfig,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningBerth> {
  const problems = validateConfig(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
  mkdirSync(config.dataDir, { recursive: true });
  const lock = DataDirLock.acquire(config.dataDir);
  // Everything started from here stops in reverse order: background loops, agents, the HTTP
  // server, the store, the lock.
  const lifecycle = new Lifecycle();
  lifecycle.started('data-dir lock', () => lock.release());
  const stopAll = () =>
    lifecycle.stopAll((name, e) => logger.error({ component: name, err: String(e) }, 'stopping failed'));
  try {
    const keys = loadKeys(config.dataDir);
    if (config.auth === 'strict' && keys.size === 0) {
      throw new Error(`--auth strict needs keys in ${credentialsPath(config.dataDir)} (AWS credentials file format)`);
    }
    const state = await openState(config);
    lifecycle.started('store', () => state.close());
    const { sealingKey } = state;
    const sealer = new Sealer(sealingKey);
    const regionDeps = (name: string, { store, blobDir, events }: RegionState): RegionDeps => {
      const registry: RegionDeps['registry'] = {
        store,
        blobs: new FsBlobStore(blobDir),
        clock: systemClock,
        accountId: config.accountId,
        region: name,
        registryHost: `${config.advertiseHost}:${config.port}`,
        createOnPush: config.createRepositoryOnPush,
        maxManifestSize: 4 * 1024 * 1024,
        tokenKey: createHmac('sha256', sealingKey).update(`registry tokens ${name}`).digest(),
      };
      return {
        registry,
        controlPlane: {
          store,
          clock: systemClock,
          accountId: config.accountId,
          region: name,
          ...(events ? { events } : {}),
          agentLostGraceMs: config.agentLostGrace * 1000,
          sealer,
          // In strict mode a task's secrets are fetched as its execution role, which must be allowed.
          ...(config.auth === 'strict' ? { enforceIam: true } : {}),
          // Images in berth's own registry, by any of its names (pulled as the execution role in
          // strict mode); asked at each use: with --port 0 the host is known only once listening.
          registryHosts: () => [registry.registryHost, ...registryAliases(registry)],
          // Tasks' CPU and memory use, reported by agents, as the region's AWS/ECS metrics.
          publishMetrics: (namespace, data) =>
            recordMetrics({ store, clock: systemClock, accountId: config.accountId, region: name }, namespace, data),
        },
      };
    };
    const defaults = regionDeps(config.region, state.region);
    const other = state.otherRegion;
    const regions = new Regions(
      defaults,
      other &&
        ((name) => {
          const st = other(name);
          return st instanceof Promise ? st.then((x) => regionDeps(name, x)) : regionDeps(name, st);
        }),
      // The names of the regions in use are kept with the default region's state.
      defaults.controlPlane.store,
      config.targetTrackingAlarmPeriod,
    );
    const { registry, controlPlane } = regions.default;
    await regions.reopen();
    lifecycle.started('regions', () => regions.close());
    // Over etcd another server may begin serving a region: it is opened here too, so that its
    // agents, registry pulls and log shipping find it whichever server they reach. (One server
    // over SQLite opens every region itself.)
    if (etcdEndpoints(config.store)) {
      const regionScan = every(2000, async () => {
        try {
          await regions.openInUse();
        } catch (e) {
          logger.warn({ err: String(e) }, 'opening a region in use failed');
        }
      });
      lifecycle.started('region scan', regionScan);
    }
    const sessions = new AgentSessions();
    const kube = kubeFace(controlPlane, systemClock, logger, sessions);
    lifecycle.started('kubernetes pods', () => kube.pods.close());
    lifecycle.started('kubernetes service routes', () => kube.routes.close());
    // The cluster's CA and token key (made on the first start), and HTTPS on the edge port signed by it.
    const clusterKeys = await ensureClusterKeys(kube.deps, KUBE_CLUSTER);
    const tls = kubeTlsContext(clusterKeys, servingNames(config.advertiseHost, config.host));
    const app = await buildApp({
      config,
      keys,
      clock: systemClock,
      logger,
      registry,
      controlPlane,
      regions,
      kube,
      tls,
    });
    lifecycle.started('http', () => app.close());
    const lookup = (name?: string) => (name === undefined ? controlPlane : regions.get(name)?.controlPlane);
    mountLogsEndpoint(app, lookup, sessions, config.auth === 'open');
    mountFargateEndpoints(app, lookup, {
      open: config.auth === 'open',
      prices: parsePrices(config.fargatePrices),
      spotWarningMs: config.spotWarning * 1000,
    });
    mountTopEndpoint(app, lookup, config.auth === 'open');
    const closeAgents = mountAgentEndpoint(
      app,
      lookup,
      {
        logger,
        sessions,
        registryCredentials: (name) => {
          const r = regions.get(name)?.registry ?? registry;
          return {
            host: r.registryHost,
            authorization: `Basic ${mintToken(r).authorizationToken}`,
            aliases: registryAliases(r),
          };
        },
      },
      config.auth === 'strict' ? new AgentVerifier((id) => keys.get(id)) : undefined,
    );
    // Sessions end before the store closes: a socket's own close comes too late for that.
    lifecycle.started('agent sessions', closeAgents);
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    // With --port 0 the real port is known only now; repository URIs must carry it.
    regions.setRegistryHost(`${config.advertiseHost}:${port}`);
    // Each region's load balancers serve on every server; the controllers, maintenance and
    // retention are work for the leader alone (one server over SQLite always leads).
    const leaderWork = new LeaderWork(state.leadership, logger);
    regions.each((r) => {
      // Load balancers' listeners, health checks and DNS names.
      const hosts =
        config.elbHostsFile === 'none' ? undefined : new HostsFile(config.elbHostsFile, `${config.dataDir} ${r.name}`);
      const engine =
        config.elbEngine === 'haproxy' ? new HaproxyEngine(join(config.dataDir, 'elb', r.name), logger) : undefined;
      const dataPlane = new DataPlane(r.elb, logger, hosts, engine, () => state.leadership.leading);
      dataPlane.start();
      lifecycle.started(`load balancers (${r.name})`, () => dataPlane.stop());
      leaderWork.add(`registry maintenance (${r.name})`, () =>
        startMaintenance(
          r.registry,
          {
            ...registryGcOptions(config),
            lifecycleIntervalMs: config.registryMaintenanceInterval * 1000,
            gcIntervalMs: config.registryMaintenanceInterval * 1000,
          },
          logger,
        ),
      );
      leaderWork.add(`service controller (${r.name})`, () => {
        const services = startServiceController(r.controlPlane, logger);
        return () => services.stop();
      });
      // CloudWatch alarms are evaluated every 10 s (their periods are 10 s or more), then
      // Application Auto Scaling acts on the alarms of its policies.
      leaderWork.add(`alarms and scaling (${r.name})`, () => {
        return every(10_000, async () => {
          try {
            await evaluateAlarms(r.controlPlane);
            await evaluateCompositeAlarms(r.controlPlane);
            await runScaling(r.autoscaling);
          } catch (e) {
            logger.error({ region: r.name, err: String(e) }, 'alarm evaluation or scaling failed');
          }
        });
      });
      // Container Insights for the clusters that turn it on, a datapoint a minute as ECS publishes it.
      leaderWork.add(`container insights (${r.name})`, () =>
        every(config.containerInsightsInterval * 1000, async () => {
          try {
            await publishContainerInsights(r.controlPlane);
          } catch (e) {
            logger.error({ region: r.name, err: String(e) }, 'Container Insights failed');
          }
        }),
      );
      if (config.spotInterruptionRate > 0)
        leaderWork.add(`spot chaos (${r.name})`, () =>
          startSpotChaos(r.controlPlane, config.spotInterruptionRate, config.spotWarning * 1000, logger),
        );
    });
    // Retention in the background, as AWS does it: expired log events, tasks stopped over an hour
    // ago, metrics rolled up by age.
    leaderWork.add('retention', () => {
      return every(5 * 60_000, async () => {
        for (const { controlPlane: deps } of regions.all()) {
          try {
            if (!deps.events) await expireEvents(deps); // event files: each server's own pass
            await recordStopped(deps); // Fargate usage outlives the tasks
            await purgeStoppedTasks(deps);
            await expireClientTokens(deps);
            await rollUpMetrics(deps);
          } catch (e) {
            logger.error({ err: String(e), region: deps.region }, 'retention pass failed');
          }
        }
      });
    });
    // Kubernetes: the default cluster's own objects, then its controllers and upkeep on the leader.
    await startKubernetes(kube, leaderWork, logger, {
      apiAddress: { ip: apiAddress(config.host), port },
      hpaPeriodMs: config.kubeHpaPeriod * 1000,
      loadBalancers: { ...kubeLoadBalancers(regions.default.elb), ...kubeIngressBalancers(regions.default.elb) },
    });
    leaderWork.begin();
    lifecycle.started('leader work', () => leaderWork.stop());
    // Event files are written by one server each: every server expires and prunes its own.
    const eventUpkeep = every(5 * 60_000, async () => {
      for (const { controlPlane: deps } of regions.all()) {
        const { events } = deps;
        if (!events) continue;
        try {
          await expireEvents(deps);
          pruneEventFiles({ ...deps, events });
        } catch (e) {
          logger.error({ err: String(e), region: deps.region }, 'event files upkeep failed');
        }
      }
    });
    lifecycle.started('event files upkeep', eventUpkeep);
    const kubeTls =
      config.auth === 'strict' ? { ca: clusterKeys.caCert, client: await adminCredentials(clusterKeys) } : undefined;
    return {
      endpoint: `http://${config.advertiseHost}:${port}`,
      port,
      store: state.root,
      app,
      ...(kubeTls ? { kubeTls } : {}),
      close: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
