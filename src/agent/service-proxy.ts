import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../kernel/index.js';
import type { Backend, ServiceRoutes } from '../wire/index.js';
import type { ClusterDns } from './cluster-dns.js';
import type { Lease } from './host-lease.js';
import { UdpRelay } from './udp-relay.js';

/** How the proxy takes an address of the host's and gives it back (ip addr on lo; a twin in tests). */
export interface Addresses {
  add(ip: string): Promise<void>;
  remove(ip: string): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5000;
/** How often an agent standing by asks again for the lease of the host's service addresses. */
const STANDBY_RETRY_MS = 2000;

interface Wanted {
  host: string;
  port: number;
  protocol: 'tcp' | 'udp';
  backends: Backend[];
}

interface Listener {
  server: Server;
  backends: Backend[];
  next: number;
}

/**
 * Services on this host, as a proxy in the agent: each cluster IP is an address of the host's
 * (on its loopback device: a task's packets reach it through its default route) with a listener
 * per port, and each node port a listener on all of the host's addresses; a connection
 * goes to the next of the ready backends in turn, and one with none is reset. A proxy rather
 * than kernel NAT rules: it leaves the host's firewall as it was, and needs no conntrack
 * masquerading for a pod reaching itself through its service. A UDP port relays each sender's
 * datagrams to one backend (udp-relay.ts); cluster DNS, on port 53, is answered by the DNS server.
 *
 * Several agents on one host (nodes of their own, each with its bridge) would each take the same
 * addresses and ports: one of them, the holder of the host's lease, serves them for all (every
 * node is sent the same routes, and the host routes to every bridge), the others stand by and ask
 * again every few seconds, so one takes over when the holder stops or has no pods left.
 */
export class ServiceProxy {
  private readonly listeners = new Map<string, Listener>();
  private readonly relays = new Map<string, UdpRelay>();
  private readonly addresses = new Set<string>();
  private applying: Promise<void> = Promise.resolve();
  private latest?: ServiceRoutes;
  private standby = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly ips: Addresses,
    private readonly dns: ClusterDns,
    private readonly lease: Lease,
    private readonly logger: Logger,
    private readonly retryMs = STANDBY_RETRY_MS,
  ) {}

  /** Converges on the routes (one apply at a time, in order). */
  apply(routes: ServiceRoutes): Promise<void> {
    this.latest = routes;
    this.applying = this.applying
      .then(() => (this.latest === routes ? this.converge(routes) : undefined))
      .catch((e: unknown) => {
        this.logger.error({ err: String(e) }, 'service routes not applied');
      });
    return this.applying;
  }

  private async converge(routes: ServiceRoutes): Promise<void> {
    if (!routes.virtual.length && !routes.hostPorts.length && !routes.dns) {
      await this.unserve();
      this.lease.release();
      this.standby = false;
      return;
    }
    if (!(await this.lease.acquire())) {
      if (!this.standby) this.logger.info('the cluster’s services on this host are served by another berth agent');
      this.standby = true;
      this.retry ??= setTimeout(() => {
        this.retry = undefined;
        if (this.latest) void this.apply(this.latest);
      }, this.retryMs).unref();
      return;
    }
    if (this.standby) this.logger.info('serving the cluster’s services on this host');
    this.standby = false;
    const wanted = new Map<string, Wanted>();
    for (const v of routes.virtual)
      if (!(routes.dns && v.ip === routes.dns.ip && v.port === 53))
        wanted.set(`${v.protocol}/${v.ip}:${v.port}`, { host: v.ip, ...v });
    for (const h of routes.hostPorts) wanted.set(`${h.protocol}/*:${h.port}`, { host: '0.0.0.0', ...h });
    const ips = new Set([...wanted.values()].map((w) => w.host).filter((h) => h !== '0.0.0.0'));
    if (routes.dns) ips.add(routes.dns.ip);
    for (const ip of ips)
      if (!this.addresses.has(ip)) {
        await this.ips.add(ip);
        this.addresses.add(ip);
      }
    for (const [key, l] of this.listeners)
      if (!wanted.has(key)) {
        l.server.close();
        this.listeners.delete(key);
      }
    for (const [key, r] of this.relays)
      if (!wanted.has(key)) {
        r.close();
        this.relays.delete(key);
      }
    for (const [key, w] of wanted) {
      const have = w.protocol === 'tcp' ? this.listeners.get(key) : this.relays.get(key);
      if (have instanceof UdpRelay) have.setBackends(w.backends);
      else if (have) have.backends = w.backends;
      else await this.open(key, w);
    }
    await this.dns
      .apply(routes.dns)
      .catch((e: unknown) => this.logger.warn({ err: String(e) }, 'cluster DNS not served'));
    for (const ip of [...this.addresses])
      if (!ips.has(ip)) {
        await this.ips.remove(ip).catch(() => undefined);
        this.addresses.delete(ip);
      }
  }

  private async open(key: string, w: Wanted): Promise<void> {
    const refused = (e: unknown) => this.logger.warn({ address: key, err: String(e) }, 'service port not served');
    if (w.protocol === 'udp') {
      await UdpRelay.open(w.host, w.port, w.backends).then((r) => void this.relays.set(key, r), refused);
      return;
    }
    const l: Listener = { server: createServer(), backends: w.backends, next: 0 };
    l.server.on('connection', (client) => this.forward(l, client));
    await new Promise<void>((resolve) => {
      l.server.once('error', (e) => resolve(refused(e)));
      l.server.listen(w.port, w.host, () => {
        this.listeners.set(key, l);
        resolve();
      });
    });
  }

  private forward(l: Listener, client: Socket): void {
    const backend = l.backends.length ? l.backends[l.next++ % l.backends.length] : undefined;
    if (!backend) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: backend.ip, port: backend.port });
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error('connect timeout')));
    upstream.once('connect', () => upstream.setTimeout(0));
    const done = () => {
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    upstream.on('error', () => (client.destroyed ? undefined : client.resetAndDestroy()));
    client.on('error', done);
    upstream.on('close', done);
    client.on('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Stops serving, takes its addresses off the host, and leaves the lease to another agent. */
  async close(): Promise<void> {
    this.latest = undefined;
    await this.applying;
    clearTimeout(this.retry);
    this.retry = undefined;
    await this.unserve();
    this.lease.release();
  }

  private async unserve(): Promise<void> {
    for (const l of this.listeners.values()) l.server.close();
    this.listeners.clear();
    for (const r of this.relays.values()) r.close();
    this.relays.clear();
    this.dns.close();
    for (const ip of this.addresses) await this.ips.remove(ip).catch(() => undefined);
    this.addresses.clear();
  }
}

/**
 * The routes with each `controlPlane` backend made the server at `endpoint` (the one this agent
 * is connected to), as this host reaches it: the API server behind a cluster's `kubernetes` Service.
 */
export function withControlPlane(routes: ServiceRoutes, endpoint: string): ServiceRoutes {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return routes;
  }
  const server: Backend = {
    ip: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
  };
  const resolve = (bs: Backend[]) => bs.map((b) => (b.controlPlane ? server : b));
  return {
    ...routes,
    virtual: routes.virtual.map((v) => ({ ...v, backends: resolve(v.backends) })),
    hostPorts: routes.hostPorts.map((h) => ({ ...h, backends: resolve(h.backends) })),
  };
}
