import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The edge port's protocol upgrades (websockets), by path prefix: the agent wire, the Kubernetes
 * API's streams. One listener on the server hands each upgrade to the route whose prefix its path
 * starts with (the longest); any other is answered 404 and closed.
 */
export class UpgradeRoutes {
  private readonly routes: { prefix: string; handle: UpgradeHandler }[] = [];
  /** The upgraded connections still open: a server's close would wait for them. */
  private readonly sockets = new Set<Duplex>();

  /** `rewrite`: the URL a request is routed by (the edge's own rewrite, which upgrades bypass). */
  constructor(
    server: Server,
    private readonly rewrite?: (req: IncomingMessage) => string,
  ) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.dispatch(req, socket, head));
  }

  /** Ends every upgraded connection still open (the server is stopping). */
  closeAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  add(prefix: string, handle: UpgradeHandler): void {
    this.routes.push({ prefix, handle });
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  private dispatch(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.rewrite) req.url = this.rewrite(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = this.routes.find((r) => path === r.prefix || path.startsWith(r.prefix));
    if (route) return route.handle(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the edge port's websocket upgrades are routed (see UpgradeRoutes). */
    upgrades: UpgradeRoutes;
  }
}
