import type { AutoscalingDeps } from '../autoscaling/index.js';
import {
  acmService,
  autoscalingService,
  cloudwatchService,
  ecrService,
  elbv2Service,
  ecsService,
  iamService,
  logsService,
  secretsManagerService,
  ssmService,
  type AwsService,
  stsService,
} from '../aws-api/index.js';
import {
  createCluster,
  getService,
  loadBalancerDeps,
  updateService,
  type ControlPlaneDeps,
} from '../control-plane/index.js';
import { loadBalancersUsingCertificate, type ElbDeps } from '../elb/index.js';
import { describeAlarms } from '../metrics/index.js';
import { certificatesFor, Sealer, servedCertificate, type IamDeps } from '../iam/index.js';
import { AWS_REGIONS } from '../kernel/index.js';
import type { RegistryDeps } from '../registry/index.js';
import { defineTable, type SharedStore } from '../store/index.js';

/** A region's identity and secrets state (SSM, Secrets Manager) over its control plane's store. */
export function iamDepsOf(cp: ControlPlaneDeps): IamDeps {
  const { store, clock, accountId, region } = cp;
  // Without a sealer of berth's (tests), secret values are sealed under a key of this process only.
  return { store, clock, accountId, region, sealer: cp.sealer ?? Sealer.random() };
}

/** A region's load balancers over its control plane's store, with ACM's certificates for HTTPS. */
export function elbDepsOf(cp: ControlPlaneDeps): ElbDeps {
  const iam = iamDepsOf(cp);
  return {
    ...loadBalancerDeps(cp),
    certificates: {
      pem: (arn) => servedCertificate(iam, arn),
      covering: (host) => certificatesFor(iam, host),
    },
  };
}

/**
 * Application Auto Scaling over a region's store, scaling its ECS services through the ECS face's
 * own calls (a service's desired count, read and set as UpdateService sets it).
 */
export function autoscalingDepsOf(cp: ControlPlaneDeps, alarmPeriodSec?: number): AutoscalingDeps {
  const { store, clock, accountId, region } = cp;
  const parts = (resourceId: string) => {
    const [, cluster, service] = resourceId.split('/');
    return { cluster: cluster as string, service: service as string };
  };
  return {
    store,
    clock,
    accountId,
    region,
    ...(alarmPeriodSec !== undefined ? { alarmPeriodSec } : {}),
    ecs: {
      desiredCount(resourceId) {
        const { cluster, service } = parts(resourceId);
        try {
          const s = getService(cp, cluster, service);
          return s.status === 'ACTIVE' ? s.desiredCount : undefined;
        } catch {
          return undefined;
        }
      },
      async setDesiredCount(resourceId, count) {
        const { cluster, service } = parts(resourceId);
        await updateService(cp, { cluster, service, desiredCount: count });
      },
    },
  };
}

/**
 * The AWS services berth serves, each with its handlers. IAM and STS are global: every region
 * serves the one account's (`global`, the default region's state).
 */
export function awsServices(
  deps: { registry: RegistryDeps; controlPlane: ControlPlaneDeps; autoscaling?: AutoscalingDeps; elb?: ElbDeps },
  global: IamDeps = iamDepsOf(deps.controlPlane),
): AwsService[] {
  const iam = iamDepsOf(deps.controlPlane);
  const elb = deps.elb ?? elbDepsOf(deps.controlPlane);
  return [
    stsService(global),
    iamService(global),
    ecrService(deps.registry),
    ecsService(deps.controlPlane),
    logsService(deps.controlPlane),
    ssmService(iam),
    secretsManagerService(iam),
    cloudwatchService(deps.controlPlane),
    autoscalingService(deps.autoscaling ?? autoscalingDepsOf(deps.controlPlane)),
    elbv2Service(elb),
    acmService(iam, (arn) => loadBalancersUsingCertificate(elb, arn)),
  ];
}

/** One AWS region: its own repositories, clusters, tasks, log groups and agents. */
export interface Region {
  readonly name: string;
  readonly registry: RegistryDeps;
  readonly controlPlane: ControlPlaneDeps;
  /** The AWS services with handlers bound to this region's state. */
  readonly services: readonly AwsService[];
  /** Its Application Auto Scaling (the scaling pass runs over it). */
  readonly autoscaling: AutoscalingDeps;
  /** Its load balancers (the data plane serves them). */
  readonly elb: ElbDeps;
}

export type RegionDeps = Pick<Region, 'registry' | 'controlPlane'>;

/** A region's services watch its CloudWatch alarms (deployment alarms). */
function watchAlarms(cp: ControlPlaneDeps): void {
  cp.alarmStates ??= (names) =>
    describeAlarms(cp, { AlarmNames: [...names] }).map((a) => ({
      name: a.AlarmName,
      state: a.StateValue,
      since: a.StateTransitionedTimestamp,
    }));
}

const withAutoscaling = (d: RegionDeps, alarmPeriodSec?: number) => ({
  ...d,
  autoscaling: autoscalingDepsOf(d.controlPlane, alarmPeriodSec),
  elb: elbDepsOf(d.controlPlane),
});

/** As in every ECS region, a default cluster is there for whoever names none. */
const withDefaultCluster = (r: Region) => createCluster(r.controlPlane, { clusterName: 'default' });

/** The regions that hold state, so that their controllers start again with berth. */
const regionsInUse = defineTable<{ name: string }>('regions', (r) => r.name);

/**
 * The regions berth serves. The default one (`--region`) is always open; any other region of
 * AWS's partition opens on its first call (and again at every start once it has been used), with
 * state of its own, as regions are isolated in AWS: the region a call is signed for scopes every
 * resource and ARN it touches.
 */
export class Regions {
  readonly default: Region;
  /** IAM and STS state, one for the account: kept with the default region's. */
  readonly iam: IamDeps;
  private readonly open = new Map<string, Region>();
  private readonly listeners: ((r: Region) => void)[] = [];
  /** Each opened region's first writes, awaited before it serves a call. */
  private readonly ready = new Map<string, Promise<void>>();
  /** Regions whose state is being opened (asynchronously, over etcd). */
  private readonly opening = new Map<string, Promise<Region>>();

  constructor(
    defaults: RegionDeps,
    /** Makes a region's state (over etcd, asynchronously); without it only the default region is served. */
    private readonly make?: (name: string) => RegionDeps | Promise<RegionDeps>,
    /** Where the names of the regions in use are kept (the root store). */
    private readonly root?: SharedStore,
    /** The period of target-tracking alarms (s; AWS: 60). */
    private readonly alarmPeriodSec?: number,
  ) {
    this.iam = iamDepsOf(defaults.controlPlane);
    // Task roles are assumed in the account's one IAM, from every region's control plane.
    defaults.controlPlane.iam ??= this.iam;
    watchAlarms(defaults.controlPlane);
    const d = withAutoscaling(defaults, alarmPeriodSec);
    this.default = { name: defaults.controlPlane.region, ...d, services: awsServices(d, this.iam) };
    this.open.set(this.default.name, this.default);
  }

  /**
   * The region of this name, opened if need be; undefined for a name that is not a region, and
   * for a region whose state opens asynchronously (over etcd) until it has opened.
   */
  get(name: string): Region | undefined {
    const known = this.open.get(name);
    if (known || !this.make || !AWS_REGIONS.has(name) || this.opening.has(name)) return known;
    const made = this.make(name);
    if (!(made instanceof Promise)) return this.install(name, made);
    const opening = made.then((deps) => this.install(name, deps));
    this.opening.set(name, opening);
    // Whoever waits for it (opened) sees a failure; a get that only started it must not crash.
    void opening.catch(() => undefined).finally(() => this.opening.delete(name));
    return undefined;
  }

  private install(name: string, deps: RegionDeps): Region {
    // One registry endpoint serves every region (which one a call is for, it learns from the call).
    deps.registry.registryHost = this.default.registry.registryHost;
    deps.controlPlane.iam ??= this.iam;
    watchAlarms(deps.controlPlane);
    const d = withAutoscaling(deps, this.alarmPeriodSec);
    const region: Region = { name, ...d, services: awsServices(d, this.iam) };
    this.open.set(name, region);
    // Its default cluster and its name among the regions in use are written once; a call for the
    // region waits for them (opened).
    const root = this.root;
    this.ready.set(
      name,
      (async () => {
        await withDefaultCluster(region);
        if (root && !root.read((tx) => tx.get(regionsInUse, name)))
          await root.transact((tx) => tx.put(regionsInUse, { name }));
      })(),
    );
    for (const l of this.listeners) l(region);
    return region;
  }

  /** The region of this name once its state is ready to serve (its default cluster written). */
  async opened(name: string): Promise<Region | undefined> {
    const region = this.get(name) ?? (await this.opening.get(name));
    await this.ready.get(name);
    return region;
  }

  /**
   * Opens the regions in use that this server has not opened: another server sharing the state
   * may have begun serving one (its agents may then connect here).
   */
  async openInUse(): Promise<void> {
    const names = this.root?.read((tx) => tx.list(regionsInUse).map((e) => e.key)) ?? [];
    for (const name of names) if (!this.open.has(name)) await this.opened(name);
  }

  /** Gives the default region its default cluster and opens every region used before (call once at start). */
  async reopen(): Promise<void> {
    await withDefaultCluster(this.default);
    await this.openInUse();
  }

  all(): Region[] {
    return [...this.open.values()];
  }

  /** Runs `fn` for every open region and for each one opened later. */
  each(fn: (r: Region) => void): void {
    for (const r of this.open.values()) fn(r);
    this.listeners.push(fn);
  }

  /** The `host:port` of the registry, once the port is known. */
  setRegistryHost(host: string): void {
    for (const r of this.open.values()) r.registry.registryHost = host;
  }

  close(): void {
    this.listeners.length = 0;
    for (const r of this.open.values()) {
      if (r === this.default) continue;
      r.controlPlane.store.close();
      r.controlPlane.events?.close();
    }
  }
}
