import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentSession, type AgentGatewayOptions } from '../control-plane/agent-gateway.js';
import type { ControlPlaneDeps } from '../control-plane/deps.js';
import { TaskRouter } from '../control-plane/task-router.js';
import type { AgentVerifier } from '../wire/agent-auth.js';
import { AGENT_PATH } from '../wire/agent-protocol.js';

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

/** Serves the agent wire on the edge port: websocket upgrades of /agent/v1, one session each. */
export function mountAgentEndpoint(
  app: FastifyInstance,
  deps: ControlPlaneDeps,
  options: AgentGatewayOptions,
  /** With --auth strict: checks an upgrade's Authorization header and names the host it signs for. */
  verifier?: AgentVerifier,
): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  const router = options.router ?? new TaskRouter(deps.store, options.logger);
  const shared = { ...options, router };
  const live = new Map<WebSocket, AgentSession>();
  app.server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== AGENT_PATH) {
      socket.destroy();
      return;
    }
    const outcome = verifier?.check(req.headers.authorization);
    const refused = outcome && !outcome.ok ? outcome.problem : undefined;
    if (refused) {
      options.logger.warn({ remote: req.socket.remoteAddress, reason: refused }, 'agent refused');
      const body = JSON.stringify({ message: refused });
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new AgentSession(
        deps,
        { send: (m) => ws.send(JSON.stringify(m)), close: (c, r) => ws.close(c, r) },
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
        session.onMessage(text);
      });
      ws.on('close', () => live.delete(ws) && session.onClose());
      ws.on('error', () => ws.terminate());
    });
  });
  // Closing ends every session here and now: a socket's 'close' event comes later, when the store
  // may already be closed, so a session must not be left to end itself then.
  return () => {
    for (const [ws, session] of [...live]) {
      live.delete(ws);
      session.onClose();
      ws.terminate();
    }
    wss.close();
    router.close();
  };
}
