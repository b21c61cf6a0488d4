import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';

/** How long a new connection may take to send its first byte, and a TLS one its handshake. */
export const FIRST_BYTE_MS = 20_000;

/**
 * HTTPS on the edge port beside HTTP (berth keeps one port): a connection whose first byte opens
 * a TLS handshake record (0x16; no HTTP request starts so) is handed to a TLS server, and once
 * its handshake is done, to the HTTP server as any other connection. The certificate is made on
 * the first TLS connection (`context`). Must run before the server listens: it takes over the
 * server's own connection listener.
 */
export function serveTlsAlongside(server: Server, context: () => Promise<tls.SecureContextOptions>): void {
  const plain = server.listeners('connection') as ((s: Socket) => void)[];
  server.removeAllListeners('connection');
  const toHttp = (s: Socket) => {
    for (const l of plain) l.call(server, s);
  };
  let secure: Promise<tls.Server> | undefined;
  const tlsServer = () =>
    (secure ??= context().then((ctx) => {
      const t = tls.createServer({ ...ctx, handshakeTimeout: FIRST_BYTE_MS });
      t.on('secureConnection', toHttp);
      t.on('tlsClientError', (_e, s) => s.destroy());
      return t;
    }));
  server.on('connection', (socket: Socket) => {
    const drop = () => socket.destroy();
    socket.on('error', drop);
    socket.setTimeout(FIRST_BYTE_MS);
    socket.on('timeout', drop);
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.off('timeout', drop);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === 0x16) {
        // Not resumed: the TLS socket reads what is buffered itself.
        tlsServer().then(
          (t) => t.emit('connection', socket),
          () => socket.destroy(),
        );
        return;
      }
      socket.off('error', drop);
      toHttp(socket);
      socket.resume();
    });
  });
}

const KUBE_ROOTS = ['/api', '/apis', '/version', '/openapi', '/.well-known/openid-configuration', '/openid/v1/jwks'];

/**
 * Over TLS, the Kubernetes API's own paths (`/api`, `/apis`, `/version`, `/openapi`, the OIDC
 * discovery's) are the
 * cluster's, as in-cluster clients ask for them (https://kubernetes.default.svc, no path of
 * berth's): the request's URL with `/k8s/<cluster>` in front; any other request's as it is.
 */
export function kubeRootRewrite(cluster: string): (req: IncomingMessage) => string {
  return (req) => {
    const url = req.url ?? '/';
    if (!(req.socket as TLSSocket).encrypted) return url;
    const path = url.split('?')[0] ?? '/';
    const root = KUBE_ROOTS.some((r) => path === r || path.startsWith(`${r}/`));
    return root ? `/k8s/${encodeURIComponent(cluster)}${url}` : url;
  };
}
