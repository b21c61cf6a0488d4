import { hostname } from 'node:os';
import WebSocket from 'ws';
import type { Logger } from '../kernel/index.js';
import { agentAuthorization, AGENT_PATH, type AgentKey, type ServerMessage } from '../wire/index.js';
import { logRefusal } from './agent-config.js';

export interface LinkHandlers {
  /** The hello sent as each connection opens. */
  hello(): object;
  /** A message from the server (parsed; one that is not JSON is logged and dropped). */
  message(msg: ServerMessage, endpoint: string): void;
  /** A connection closed (before the next is tried). */
  closed(): void;
}

/**
 * The agent's connection to the control plane: a websocket to one of the servers' endpoints,
 * signed with the agent's key when it has one, tried again with back-off when it closes (the
 * next endpoint of the list each time).
 */
export class ControlPlaneLink {
  private ws?: WebSocket;
  private backoff = 500;
  /** How many connections were tried: the next one goes to the next endpoint of the list. */
  private next = 0;
  /** Whether a connection ever opened (so a failure is "lost", not "cannot connect"). */
  private connectedOnce = false;
  private stopped = false;

  constructor(
    /** The servers' endpoints, in the order they are tried. */
    private readonly endpoints: readonly string[],
    private readonly options: { region?: string; credentials?: AgentKey },
    private readonly logger: Logger,
    private readonly handlers: LinkHandlers,
  ) {}

  send(msg: object): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  close(): void {
    this.stopped = true;
    this.ws?.close();
  }

  connect(): void {
    if (this.stopped) return;
    const region = this.options.region ? `?region=${encodeURIComponent(this.options.region)}` : '';
    const endpoints = this.endpoints;
    const endpoint = endpoints[this.next++ % endpoints.length] as string;
    const url = `${endpoint.replace(/^http/, 'ws')}${AGENT_PATH}${region}`;
    const key = this.options.credentials;
    // Signed for the host name the hello will give, with a fresh nonce for each connection.
    const ws = new WebSocket(url, key ? { headers: { authorization: agentAuthorization(key, hostname()) } } : {});
    this.ws = ws;
    ws.on('unexpected-response', (_req, res) => logRefusal(res, this.logger, () => ws.terminate()));
    let opened = false;
    let openedAt = 0;
    let cause = '';
    ws.on('open', () => {
      opened = true;
      openedAt = Date.now();
      this.connectedOnce = true;
      this.backoff = 500;
      ws.send(JSON.stringify(this.handlers.hello()));
    });
    ws.on('message', (data) => {
      let msg: ServerMessage;
      try {
        msg = JSON.parse(data.toString()) as ServerMessage;
      } catch (e) {
        this.logger.error({ err: String(e) }, 'handling a control plane message failed');
        return;
      }
      this.handlers.message(msg, endpoint);
    });
    ws.on('close', () => {
      this.handlers.closed();
      if (this.stopped) return;
      // Say what happened: a connection that never opened was not lost, and its cause is the news.
      if (opened)
        this.logger.warn({ retryInMs: this.backoff }, 'control plane connection lost; containers keep running');
      else
        this.logger.warn(
          { endpoint, cause, retryInMs: this.backoff },
          this.connectedOnce ? 'cannot reconnect to the control plane' : 'cannot connect to the control plane',
        );
      // The next server of the list is tried next: a connection that served a while fails over at
      // once; one refused or closed at once waits the back-off (no loop between refusing servers).
      const wait = opened && Date.now() - openedAt > 5000 && endpoints.length > 1 ? 0 : this.backoff;
      setTimeout(() => this.connect(), wait).unref();
      if (wait > 0) this.backoff = Math.min(this.backoff * 2, 30_000);
    });
    ws.on('error', (e: Error & { code?: string }) => {
      cause = e.code ? `${e.code}: ${e.message}` : e.message;
    });
  }
}
