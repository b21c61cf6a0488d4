import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentSession, type AgentGatewayOptions } from '../control-plane/agent-gateway.js';
import type { ControlPlaneDeps } from '../control-plane/deps.js';
import { TaskRouter } from '../control-plane/task-router.js';
import { AGENT_PATH } from '../wire/agent-protocol.js';

/** Serves the agent wire on the edge port: websocket upgrades of /agent/v1, one session each. */
export function mountAgentEndpoint(
  app: FastifyInstance,
  deps: ControlPlaneDeps,
  options: AgentGatewayOptions,
  /** With --auth strict: why an upgrade's Authorization header does not prove a known key. */
  authenticate?: (authorization: string | undefined) => string | undefined,
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
    const refused = authenticate?.(req.headers.authorization);
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
      ws.on('message', (data) => live.has(ws) && session.onMessage(data.toString()));
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
