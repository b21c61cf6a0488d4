import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../kernel/index.js';
import type { Backend, ServiceRoutes } from '../wire/index.js';
import type { ClusterDns } from './cluster-dns.js';

/** How the proxy takes an address of the host's and gives it back (ip addr on lo; a twin in tests). */
export interface Addresses {
  add(ip: string): Promise<void>;
  remove(ip: string): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5000;

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
 * masquerading for a pod reaching itself through its service. UDP service ports are not proxied
 * yet (cluster DNS, on UDP, is answered by the DNS server itself).
 */
export class ServiceProxy {
  private readonly listeners = new Map<string, Listener>();
  private readonly addresses = new Set<string>();
  private applying: Promise<void> = Promise.resolve();
  private warnedUdp = false;

  constructor(
    private readonly ips: Addresses,
    private readonly dns: ClusterDns,
    private readonly logger: Logger,
  ) {}

  /** Converges on the routes (one apply at a time, in order). */
  apply(routes: ServiceRoutes): Promise<void> {
    this.applying = this.applying
      .then(() => this.converge(routes))
      .catch((e: unknown) => {
        this.logger.error({ err: String(e) }, 'service routes not applied');
      });
    return this.applying;
  }

  private async converge(routes: ServiceRoutes): Promise<void> {
    const wanted = new Map<string, { host: string; port: number; backends: Backend[] }>();
    for (const v of routes.virtual)
      if (v.protocol === 'tcp' && !(routes.dns && v.ip === routes.dns.ip && v.port === 53))
        wanted.set(`${v.ip}:${v.port}`, { host: v.ip, port: v.port, backends: v.backends });
    for (const h of routes.hostPorts)
      if (h.protocol === 'tcp') wanted.set(`*:${h.port}`, { host: '0.0.0.0', port: h.port, backends: h.backends });
    if (!this.warnedUdp && [...routes.virtual, ...routes.hostPorts].some((r) => r.protocol === 'udp')) {
      this.warnedUdp = true;
      this.logger.warn('UDP service ports are not proxied yet');
    }
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
    for (const [key, w] of wanted) {
      const have = this.listeners.get(key);
      if (have) {
        have.backends = w.backends;
        continue;
      }
      const l: Listener = { server: createServer(), backends: w.backends, next: 0 };
      l.server.on('connection', (client) => this.forward(l, client));
      await new Promise<void>((resolve) => {
        l.server.once('error', (e) => {
          this.logger.warn({ address: key, err: String(e) }, 'service port not served');
          resolve();
        });
        l.server.listen(w.port, w.host, () => {
          this.listeners.set(key, l);
          resolve();
        });
      });
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

  /** Stops serving and takes its addresses off the bridge. */
  async close(): Promise<void> {
    await this.applying;
    for (const l of this.listeners.values()) l.server.close();
    this.listeners.clear();
    this.dns.close();
    for (const ip of this.addresses) await this.ips.remove(ip).catch(() => undefined);
    this.addresses.clear();
  }
}
