import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import type { ListenerCertificate } from '../deps.js';
import { certificateNameCovers, type Logger } from '../../kernel/index.js';
import { actionTargetGroups } from '../target-groups.js';
import { Balancer, type GroupView } from './balancer.js';
import type { RequestCounts } from './metrics.js';
import type { ListenerEngine, ListenerPlan } from './engine.js';
import { httpHandler, type HttpListenerView } from './http-proxy.js';
import { compileRules } from './matcher.js';
import { tcpHandler, type TcpListenerView } from './tcp-proxy.js';

interface Bound {
  address: string;
  port: number;
  protocol: string;
  tls?: ServedTls;
  server: http.Server | net.Server;
  view: HttpListenerView | TcpListenerView;
}

interface ServedTls {
  key: string;
  cert: string;
  /** Picks the certificate for a client's SNI name: the first in the list whose names cover it, else the default. */
  sni: (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => void;
  /** What was served, so a listener whose certificates change is bound again. */
  digest: string;
}

const pemOf = (c: ListenerCertificate) => [c.certificate, c.chain ?? ''].join('\n');

function tlsOf(def: ListenerCertificate, list: readonly ListenerCertificate[]): ServedTls {
  // Made when a client first asks for one: a pass that keeps a listener bound parses no key.
  const contexts = new Map<ListenerCertificate, tls.SecureContext>();
  const contextOf = (c: ListenerCertificate) => {
    let ctx = contexts.get(c);
    if (!ctx) contexts.set(c, (ctx = tls.createSecureContext({ key: c.privateKey, cert: pemOf(c) })));
    return ctx;
  };
  const digest = createHash('sha256');
  for (const c of [def, ...list]) digest.update(pemOf(c)).update(c.privateKey);
  return {
    key: def.privateKey,
    cert: pemOf(def),
    sni: (servername, cb) => {
      const c = list.find((x) => (x.names ?? []).some((n) => certificateNameCovers(n, servername)));
      let ctx: tls.SecureContext | undefined;
      try {
        ctx = c ? contextOf(c) : undefined;
      } catch (e) {
        return cb(e as Error);
      }
      cb(null, ctx);
    },
    digest: digest.digest('hex'),
  };
}

/** Listeners served by berth's own Node proxy, in berth's process: a socket each. */
export class NodeEngine implements ListenerEngine {
  private readonly bound = new Map<string, Bound>();
  private readonly balancer = new Balancer();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256 });
  private readonly listenerRequests = new Map<string, number>();
  private readonly groupRequests = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  async apply(listeners: readonly ListenerPlan[], groups: ReadonlyMap<string, GroupView>): Promise<void> {
    this.balancer.observe(groups.values());
    const want = new Map(
      listeners.map((l) => {
        const view: HttpListenerView | TcpListenerView =
          l.protocol !== 'TCP'
            ? { port: l.port, scheme: l.protocol.toLowerCase(), rules: compileRules(l.rules, l.defaultActions), groups }
            : { group: groups.get(actionTargetGroups(l.defaultActions)[0] ?? '') };
        const tls = l.certificate ? tlsOf(l.certificate, l.sniCertificates ?? []) : undefined;
        return [
          l.key,
          { address: l.address, port: l.port, protocol: l.protocol, view, ...(tls ? { tls } : {}) },
        ] as const;
      }),
    );
    for (const [key, b] of this.bound) {
      const w = want.get(key);
      if (
        !w ||
        w.address !== b.address ||
        w.port !== b.port ||
        w.protocol !== b.protocol ||
        w.tls?.digest !== b.tls?.digest
      ) {
        this.bound.delete(key);
        b.server.close();
        if ('closeAllConnections' in b.server) b.server.closeAllConnections();
      }
    }
    for (const [key, w] of want) {
      const b = this.bound.get(key);
      if (b) b.view = w.view;
      else await this.bind(key, w);
    }
  }

  private bind(key: string, w: Omit<Bound, 'server'>): Promise<void> {
    const entry: Bound = { ...w, server: undefined as unknown as http.Server };
    const handler = httpHandler(
      () => entry.view as HttpListenerView,
      this.balancer,
      this.agent,
      (group) => {
        this.listenerRequests.set(key, (this.listenerRequests.get(key) ?? 0) + 1);
        if (group) this.groupRequests.set(group, (this.groupRequests.get(group) ?? 0) + 1);
      },
    );
    const server =
      w.protocol === 'HTTPS' && w.tls
        ? https.createServer(
            { keepAliveTimeout: 60_000, key: w.tls.key, cert: w.tls.cert, SNICallback: w.tls.sni },
            handler,
          )
        : w.protocol === 'HTTP'
          ? http.createServer({ keepAliveTimeout: 60_000 }, handler)
          : net.createServer(tcpHandler(() => entry.view as TcpListenerView, this.balancer));
    entry.server = server;
    return new Promise((resolve) => {
      server.once('error', (e) => {
        this.logger.warn(
          { listener: key, address: w.address, port: w.port, err: String(e) },
          'listener could not bind; retrying',
        );
        resolve();
      });
      server.listen({ host: w.address, port: w.port }, () => {
        this.bound.set(key, entry);
        resolve();
      });
    });
  }

  requestCounts(): Promise<RequestCounts> {
    return Promise.resolve({ listeners: new Map(this.listenerRequests), groups: new Map(this.groupRequests) });
  }

  async stop(): Promise<void> {
    const closing = [...this.bound.values()].map(
      (b) =>
        new Promise<void>((resolve) => {
          b.server.close(() => resolve());
          if ('closeAllConnections' in b.server) b.server.closeAllConnections();
        }),
    );
    this.bound.clear();
    this.agent.destroy();
    await Promise.all(closing);
  }
}
