import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { BerthError, invalidParameter, refuseUpgrade } from '../kernel/index.js';
import {
  POD,
  admitConnect,
  authorize,
  type KubeDeps,
  type PodExecSource,
  type PodHosts,
  type Scope,
} from '../kube/index.js';
import { attachTarget, EXEC_PROTOCOLS, execTarget, runExec } from './pod-exec.js';
import { podTarget, type PodTarget } from './pod-target.js';
import {
  forwardedPorts,
  PORT_FORWARD_TUNNEL,
  portForwardOverChannels,
  portForwardOverSocket,
  portForwardOverWebsocket,
} from './pod-portforward.js';
import { noClusterStatus, notFoundStatus, statusOf, type Status } from './status.js';
import { ANONYMOUS, callerOf, unauthorized, type AwsIdentitySource } from './authentication.js';
import { forbiddenStatus } from './authorization.js';

const MAX_MESSAGE = 1024 * 1024;

export interface PodStreamOptions {
  strict: boolean;
  /** Checks EKS tokens (with --auth strict). */
  awsIdentity?: AwsIdentitySource;
  cluster(name: string): KubeDeps | undefined;
  pods?(cluster: string): PodHosts | undefined;
  exec?: PodExecSource;
}

/** An answer refusing the upgrade: the Status, as the API server writes it before a stream starts. */
const refuse = (socket: Duplex, s: Status) => refuseUpgrade(socket, `${s.code} ${s.reason ?? 'Failure'}`, s);

const bad = (message: string) => invalidParameter(message, { reason: 'malformed' });

/**
 * The streaming subresources of pods, which are protocol upgrades and never reach the plugin's
 * routes: `exec` and `attach` over a websocket (channel protocols v5/v4), `portforward` over SPDY/3.1 (raw, or
 * tunnelled in a websocket as kubectl 1.30+ asks first). Requests are checked before the upgrade,
 * so kubectl prints the API server's words for a missing pod or container.
 */
export function podStreamsUpgrade(o: PodStreamOptions) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE,
    handleProtocols: (offered) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  // The tunnel's subprotocol has a `/`, which RFC 6455 does not allow in a token (ws refuses to
  // parse it): its handshakes are made without the header, which is then written back as asked.
  const tunnels = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  tunnels.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_TUNNEL}`));
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://berth');
    let seg: string[];
    try {
      seg = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return refuse(socket, notFoundStatus());
    }
    // /k8s/<cluster>/api/v1/namespaces/<ns>/pods/<name>/<verb>
    const [, cluster = '', api, v1, namespaces, namespace = '', pods, name = '', verb = ''] = seg;
    if (seg.length !== 9 || api !== 'api' || v1 !== 'v1' || namespaces !== 'namespaces' || pods !== 'pods')
      return refuse(socket, notFoundStatus());
    const deps = o.cluster(cluster);
    const hosts = o.pods?.(cluster);
    const source = o.exec;
    if (!deps || !hosts || !source) return refuse(socket, noClusterStatus(cluster));
    // As the API's other requests: with --auth strict, a credential and RBAC's `create` on pods/<verb>.
    const caller = callerOf(deps, cluster, req.headers, req.socket as Socket, o.awsIdentity);
    if (!caller || (o.strict && caller === ANONYMOUS)) return refuse(socket, unauthorized());
    if (o.strict) {
      const a = { verb: 'create', apiGroup: '', resource: 'pods', subresource: verb, namespace, name };
      if (!deps.store.read((tx) => authorize(tx, cluster, caller, a)).allowed)
        return refuse(socket, forbiddenStatus(caller, a));
    }
    if (verb !== 'exec' && verb !== 'attach' && verb !== 'portforward')
      return refuse(
        socket,
        statusOf(
          new BerthError('NotImplemented', `pods/${verb} is not implemented in berth yet`, {
            reason: 'method-not-allowed',
          }),
        ),
      );
    const websocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const upgrade = (p: PodTarget) => {
      if (verb === 'exec' || verb === 'attach') {
        const t = verb === 'exec' ? execTarget(p, url.searchParams) : attachTarget(p, url.searchParams);
        if (!websocket || !offered.some((x) => EXEC_PROTOCOLS.includes(x)))
          throw bad(`berth serves ${verb} over websockets (${EXEC_PROTOCOLS.join(', ')}); SPDY is not implemented`);
        return wss.handleUpgrade(req, socket, head, (ws) => runExec(ws, source, t));
      }
      if (websocket && offered.includes(PORT_FORWARD_TUNNEL)) {
        delete req.headers['sec-websocket-protocol'];
        return tunnels.handleUpgrade(req, socket, head, (ws) => portForwardOverWebsocket(ws, source, p));
      }
      if (websocket && offered.some((x) => EXEC_PROTOCOLS.includes(x))) {
        let ports: number[];
        try {
          ports = forwardedPorts(url.searchParams);
        } catch (e) {
          throw bad((e as Error).message);
        }
        return wss.handleUpgrade(req, socket, head, (ws) => portForwardOverChannels(ws, source, p, ports));
      }
      if ((req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1')
        return portForwardOverSocket(socket, head, source, p);
      throw bad(
        `berth serves portforward over SPDY/3.1, raw or tunnelled in a websocket (${PORT_FORWARD_TUNNEL}), or over websocket channels (${EXEC_PROTOCOLS.join(', ')})`,
      );
    };
    const scope: Scope = { cluster, kind: POD, namespace };
    // What other servers committed is read first (a no-op over one process's store).
    deps.store.fresh().then(
      async () => {
        try {
          // Admission webhooks see the connect (its options as the object) before anything opens.
          await admitConnect(deps, cluster, {
            kind: POD,
            namespace,
            name,
            subResource: verb,
            options: connectOptions(verb, url.searchParams),
            user: caller,
          });
          upgrade(podTarget(deps, scope, name, hosts, verb));
        } catch (e) {
          refuse(socket, statusOf(e));
        }
      },
      (e: unknown) => refuse(socket, statusOf(e)),
    );
  };
}

/** A connect's options as the API server decodes them from its query (what webhooks are shown). */
function connectOptions(verb: string, q: URLSearchParams): Record<string, unknown> {
  const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  if (verb === 'portforward')
    return { kind: 'PodPortForwardOptions', apiVersion: 'v1', ports: q.getAll('ports').map(Number) };
  return {
    kind: verb === 'exec' ? 'PodExecOptions' : 'PodAttachOptions',
    apiVersion: 'v1',
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
    ...(q.get('container') ? { container: q.get('container') } : {}),
    ...(verb === 'exec' ? { command: q.getAll('command') } : {}),
  };
}
