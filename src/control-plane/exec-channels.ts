import { randomUUID } from 'node:crypto';
import {
  base64Pieces,
  type ExecExit,
  type ExecHandle,
  type ExecListener,
  type ExecOutput,
  type ExecRequest,
  type ServerMessage,
} from '../wire/index.js';

/**
 * The commands one agent session runs for clients (kubectl exec), by session id: what the client
 * sends goes to the agent in pieces, what the agent sends back goes to the client's listener.
 */
export class ExecChannels {
  private readonly open = new Map<string, ExecListener>();

  constructor(private readonly send: (m: ServerMessage) => void) {}

  start(q: ExecRequest, listener: ExecListener): ExecHandle {
    const sessionId = randomUUID();
    this.open.set(sessionId, listener);
    this.send({ type: 'exec-start', sessionId, ...q });
    const live = () => this.open.has(sessionId);
    return {
      write: (data) => {
        for (const piece of base64Pieces(data)) if (live()) this.send({ type: 'exec-input', sessionId, data: piece });
      },
      eof: () => {
        if (live()) this.send({ type: 'exec-input', sessionId, eof: true });
      },
      resize: (size) => {
        if (live()) this.send({ type: 'exec-input', sessionId, resize: size });
      },
      hangUp: () => {
        if (this.open.delete(sessionId)) this.send({ type: 'exec-input', sessionId, hangUp: true });
      },
    };
  }

  onOutput(m: ExecOutput): void {
    this.open.get(m.sessionId)?.output(m.stream, Buffer.from(m.data, 'base64'));
  }

  onExit(m: ExecExit): void {
    const l = this.open.get(m.sessionId);
    if (!l) return;
    this.open.delete(m.sessionId);
    l.exit(m.code !== undefined ? { code: m.code } : { error: m.error ?? 'the command ended without an exit code' });
  }

  /** The agent went away: every command's client hears so. */
  closeAll(why: string): void {
    const all = [...this.open.values()];
    this.open.clear();
    for (const l of all) l.exit({ error: why });
  }
}
