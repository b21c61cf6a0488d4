import type { FastifyInstance } from 'fastify';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentSession, type AgentGatewayOptions, type ControlPlaneDeps, TaskRouter } from '../control-plane/index.js';
import { refuseUpgrade } from '../kernel/index.js';
import { type AgentVerifier, AGENT_PATH } from '../wire/index.js';

/** The host name a first message's hello gives, if it is a hello. */
function helloHostname(text: string): string | undefined {
  try {
    const m = JSON.parse(text) as unknown;
    if (m === null || typeof m !== 'object') return undefined;
    const o = m as Record<string, unknown>;
    return o['type'] === 'hello' && typeof o['hostname'] === 'string' ? o['hostname'] : undefined;
  } catch {
    return undefined;
  }
}

const refuse = (socket: Duplex, status: string, message: string) => refuseUpgrade(socket, status, { message });

export interface AgentEndpointOptions extends Omit<AgentGatewayOptions, 'registryCredentials' | 'router'> {
  /** Registry credentials for the agents of one region. */
  registryCredentials?: (region: string) => { host: string; authorization: string; aliases?: string[] };
}

/**
 * Serves the agent wire on the edge port: websocket upgrades of /agent/v1, one session each. An
 * agent belongs to one region, the one its URL names (`?region=`, else the default region), as
 * an EC2 instance or a Fargate host does: it runs only that region's tasks.
 */
export function mountAgentEndpoint(
  app: FastifyInstance,
  /** A region's control plane (the default region's without a name); undefined for no region. */
  regionDeps: (name?: string) => ControlPlaneDeps | undefined,
  options: AgentEndpointOptions,
  /** With --auth strict: checks an upgrade's Authorization header and names the host it signs for. */
  verifier?: AgentVerifier,
): () => Promise<void> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  // One watch of a region's tasks table, shared by the sessions of that region's agents.
  const routers = new Map<string, TaskRouter>();
  const live = new Map<WebSocket, AgentSession>();
  app.upgrades.add(AGENT_PATH, (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== AGENT_PATH) return refuse(socket, '404 Not Found', `${url.pathname} is not served`);
    const deps = regionDeps(url.searchParams.get('region') ?? undefined);
    if (!deps) {
      refuse(socket, '400 Bad Request', `'${url.searchParams.get('region')}' is not a region`);
      return;
    }
    const outcome = verifier?.check(req.headers.authorization);
    const refused = outcome && !outcome.ok ? outcome.problem : undefined;
    if (refused) {
      options.logger.warn({ remote: req.socket.remoteAddress, reason: refused }, 'agent refused');
      refuse(socket, '401 Unauthorized', refused);
      return;
    }
    let router = routers.get(deps.region);
    if (!router) routers.set(deps.region, (router = new TaskRouter(deps.store, options.logger)));
    const { registryCredentials: credentials, ...rest } = options;
    const shared: AgentGatewayOptions = {
      ...rest,
      router,
      ...(credentials ? { registryCredentials: () => credentials(deps.region) } : {}),
    };
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new AgentSession(
        deps,
        {
          send: (m) => ws.send(JSON.stringify(m)),
          close: (c, r) => ws.close(c, r),
          ...(req.socket.remoteAddress
            ? {
                remoteAddress: req.socket.remoteAddress
                  .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '')
                  .replace(/^::1$/, '127.0.0.1'),
              }
            : {}),
        },
        shared,
      );
      live.set(ws, session);
      // A signed connection speaks for the host it was signed for: its hello must name it.
      let signedFor = outcome?.ok ? outcome.agent : undefined;
      ws.on('message', (data) => {
        if (!live.has(ws)) return;
        const text = data.toString();
        if (signedFor !== undefined) {
          const named = helloHostname(text);
          if (named !== signedFor) {
            options.logger.warn({ signedFor, named }, 'agent refused: its hello names another host');
            ws.close(4003, `the credentials were signed for host ${signedFor}, not ${String(named)}`);
            return;
          }
          signedFor = undefined;
        }
        void session.onMessage(text); // handled in order; failures are logged by the session
      });
      ws.on('close', () => {
        if (live.delete(ws)) void session.onClose();
      });
      ws.on('error', () => ws.terminate());
    });
  });
  // Closing ends every session here and now: a socket's 'close' event comes later, when the store
  // may already be closed, so a session must not be left to end itself then.
  return async () => {
    const ending: Promise<void>[] = [];
    for (const [ws, session] of [...live]) {
      live.delete(ws);
      ending.push(session.onClose());
      ws.terminate();
    }
    await Promise.all(ending);
    wss.close();
    for (const router of routers.values()) router.close();
  };
}
