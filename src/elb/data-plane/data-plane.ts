import net from 'node:net';
import type { Logger } from '../../kernel/index.js';
import { nowMs, type ElbDeps, type ListenerCertificate } from '../deps.js';
import {
  ELB_TABLES,
  listeners,
  loadBalancers,
  rules,
  targetGroups,
  targets,
  type TargetGroupRecord,
} from '../tables.js';
import { actionTargetGroups, loadBalancersByTargetGroup } from '../target-groups.js';
import { finishDraining, setTargetHealth, targetAddress, TARGET_REASONS } from '../targets.js';
import type { GroupView } from './balancer.js';
import type { ListenerEngine, ListenerPlan } from './engine.js';
import { HealthChecker, type CheckedTarget } from './health-checker.js';
import type { HostsFile } from './hosts-file.js';
import { counterDeltas, elbMetrics, type MetricsInput, type RequestCounts } from './metrics.js';
import { NodeEngine } from './node-engine.js';

const METRICS_EVERY_MS = 5_000;

/** Whether a port can be bound on an address of this host right now. */
export function portFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: address, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * The data plane of one region's load balancers: a real socket per listener on its load
 * balancer's address, routing by the stored rules to the targets' current states; health checks
 * that write target states back; draining targets removed when their delay ends; the DNS names
 * in a hosts file. It follows the store: every ELB change (and a resync each second, for hosts'
 * addresses) rebuilds the views the sockets route with.
 */
export class DataPlane {
  private readonly health: HealthChecker;
  private readonly abort = new AbortController();
  private timer?: NodeJS.Timeout;
  private syncing = false;
  private publishedAt = 0;
  private counts: RequestCounts = { listeners: new Map(), groups: new Map() };

  constructor(
    private readonly deps: ElbDeps,
    private readonly logger: Logger,
    private readonly hosts?: HostsFile,
    private readonly engine: ListenerEngine = new NodeEngine(logger),
    /**
     * Whether this server writes what every server shares: targets' health and their draining's
     * end. Every server serves the listeners (from what the leader wrote); one checks and writes.
     */
    private readonly leads: () => boolean = () => true,
  ) {
    this.health = new HealthChecker((key, state, why) => {
      setTargetHealth(deps, key, state, why).catch((e: unknown) =>
        logger.warn({ err: String(e), target: key }, 'target health not recorded'),
      );
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.sync(), 1000);
    this.timer.unref();
    void this.follow();
    void this.sync();
  }

  private async follow(): Promise<void> {
    try {
      for await (const _ of this.deps.store.watch(this.deps.store.revision(), {
        tables: ELB_TABLES,
        signal: this.abort.signal,
      }))
        void this.sync();
    } catch (e) {
      if (!this.abort.signal.aborted)
        this.logger.warn({ err: String(e) }, 'load balancer data plane lost its watch; resyncing each second');
    }
  }

  async sync(): Promise<void> {
    if (this.syncing || this.abort.signal.aborted) return;
    this.syncing = true;
    try {
      await this.syncOnce();
    } catch (e) {
      this.logger.warn({ err: String(e) }, 'load balancer data plane pass failed');
    } finally {
      this.syncing = false;
    }
  }

  private async syncOnce(): Promise<void> {
    const leads = this.leads();
    if (leads) await finishDraining(this.deps);
    const snap = this.deps.store.read((tx) => ({
      lbs: tx.list(loadBalancers).map((e) => e.value),
      listeners: tx.list(listeners).map((e) => e.value),
      rules: tx.list(rules).map((e) => e.value),
      tgs: tx.list(targetGroups).map((e) => e.value),
      targets: tx.list(targets).map((e) => e.value),
    }));
    const lbByArn = new Map(snap.lbs.map((lb) => [lb.arn, lb]));
    const used = new Set<string>();
    for (const l of snap.listeners) for (const tg of actionTargetGroups(l.defaultActions)) used.add(tg);
    for (const r of snap.rules) for (const tg of actionTargetGroups(r.actions)) used.add(tg);
    const tgByArn = new Map<string, TargetGroupRecord>(snap.tgs.map((tg) => [tg.arn, tg]));
    const groups = new Map<string, GroupView>();
    const checked: CheckedTarget[] = [];
    // Many targets share a host: each host's address is looked up once a pass, not once a target.
    const hostAddress = new Map<string, string | undefined>();
    const addressOf = (tg: TargetGroupRecord, id: string) => {
      if (tg.targetType === 'ip') return id;
      if (!hostAddress.has(id)) hostAddress.set(id, targetAddress(this.deps, tg, id));
      return hostAddress.get(id);
    };
    for (const tg of snap.tgs)
      groups.set(tg.arn, {
        arn: tg.arn,
        id: tg.id,
        protocol: tg.protocol,
        targets: [],
        leastOutstanding: tg.attributes['load_balancing.algorithm.type'] === 'least_outstanding_requests',
        ...policiesOf(tg),
      });
    for (const t of snap.targets) {
      const tg = tgByArn.get(t.targetGroupArn);
      const g = groups.get(t.targetGroupArn);
      if (!tg || !g) continue;
      // A group no load balancer forwards to has its targets `unused`; once one does, `initial`.
      if (leads && !used.has(tg.arn) && t.state !== 'unused' && t.state !== 'draining')
        await setTargetHealth(this.deps, t.key, 'unused', TARGET_REASONS.unused);
      if (leads && used.has(tg.arn) && t.state === 'unused')
        await setTargetHealth(this.deps, t.key, 'initial', TARGET_REASONS.initial);
      const address = addressOf(tg, t.targetId);
      if (!address || t.state === 'draining') continue;
      g.targets.push({ key: t.key, address, port: t.port, state: t.state });
      if (used.has(tg.arn) && tg.healthCheck.enabled && t.state !== 'unused')
        checked.push({ key: t.key, address, port: t.port, state: t.state, check: tg.healthCheck });
    }
    // A server that does not lead checks nothing (the leader's checks are what every server routes by).
    this.health.sync(leads ? checked : []);
    const plans: ListenerPlan[] = [];
    for (const l of snap.listeners) {
      const lb = lbByArn.get(l.loadBalancerArn);
      if (!lb) continue;
      const certArn = l.certificates[0]?.CertificateArn;
      const certificate = l.protocol === 'HTTPS' && certArn ? this.deps.certificates?.pem(certArn) : undefined;
      if (l.protocol === 'HTTPS' && !certificate) {
        this.logger.warn({ listener: l.arn, certificate: certArn }, 'listener not served: its certificate is gone');
        continue;
      }
      plans.push({
        key: l.key,
        id: l.id,
        address: lb.address,
        port: l.port,
        protocol: l.protocol,
        rules: snap.rules.filter((r) => r.listenerArn === l.arn).sort((a, b) => a.priority - b.priority),
        defaultActions: l.defaultActions,
        ...(certificate ? { certificate } : {}),
        ...(certificate && l.sniCertificates?.length ? { sniCertificates: this.sniCertificates(l) } : {}),
      });
    }
    await this.engine.apply(plans, groups);
    this.hosts?.write(snap.lbs.map((lb) => ({ address: lb.address, name: lb.dnsName })));
    await this.publish(snap);
  }

  /** A listener's certificate list as it can be served (one deleted from ACM since is left out). */
  private sniCertificates(l: { arn: string; sniCertificates?: string[] }): ListenerCertificate[] {
    return (l.sniCertificates ?? []).flatMap((arn) => {
      const c = this.deps.certificates?.pem(arn);
      if (!c) this.logger.warn({ listener: l.arn, certificate: arn }, 'certificate not served: it is gone');
      return c ? [c] : [];
    });
  }

  /** Every 5 s: what the engine forwarded since the last time, as AWS/ApplicationELB metrics. */
  private async publish(snap: Pick<MetricsInput, 'lbs' | 'listeners' | 'tgs' | 'targets'>) {
    const at = nowMs(this.deps);
    if (!this.deps.publishMetrics || at - this.publishedAt < METRICS_EVERY_MS) return;
    const counts = await this.engine.requestCounts();
    const first = this.publishedAt === 0;
    this.publishedAt = at;
    const listenerRequests = counterDeltas(this.counts.listeners, counts.listeners);
    const groupRequests = counterDeltas(this.counts.groups, counts.groups);
    this.counts = counts;
    if (first) return; // the first reading is where counting starts
    const lbsByGroup = loadBalancersByTargetGroup(this.deps);
    const data = elbMetrics({ ...snap, lbsByGroup, listenerRequests, groupRequests, at: new Date(at) });
    if (data.length > 0) await this.deps.publishMetrics('AWS/ApplicationELB', data);
  }

  /** Closes every listener and stops checking; the hosts file keeps no entries of ours. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.timer);
    this.health.stop();
    await this.engine.stop();
    try {
      this.hosts?.write([]);
    } catch (e) {
      this.logger.warn({ err: String(e) }, 'hosts file not cleaned');
    }
  }
}

/** A group's stickiness and slow start, from its attributes (app_cookie stickiness is not applied). */
function policiesOf(tg: TargetGroupRecord): Pick<GroupView, 'sticky' | 'slowStartSec'> {
  const a = tg.attributes;
  const slow = Number(a['slow_start.duration_seconds'] ?? '0');
  const sticky: GroupView['sticky'] =
    a['stickiness.enabled'] !== 'true'
      ? undefined
      : a['stickiness.type'] === 'lb_cookie'
        ? { type: 'lb_cookie', durationSec: Number(a['stickiness.lb_cookie.duration_seconds'] ?? '86400') }
        : a['stickiness.type'] === 'source_ip'
          ? { type: 'source_ip' }
          : undefined;
  return { ...(sticky ? { sticky } : {}), ...(slow > 0 ? { slowStartSec: slow } : {}) };
}
