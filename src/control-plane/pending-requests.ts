import { randomUUID } from 'node:crypto';
import { unavailable } from '../kernel/index.js';

/**
 * Requests sent to an agent that wait for its answer by request id: each times out on its own,
 * and all fail together when the agent goes.
 */
export class PendingRequests<T> {
  private readonly waiting = new Map<
    string,
    { resolve: (v: T) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(private readonly timeoutMs: number) {}

  /** Sends a request under a new id; resolves with the answer `settle` is given for it. */
  ask(send: (requestId: string) => void): Promise<T> {
    const requestId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(unavailable('The agent did not answer in time.'));
      }, this.timeoutMs);
      this.waiting.set(requestId, { resolve, reject, timer });
      send(requestId);
    });
  }

  /** The agent's answer (an error it reports fails the request); one for no request is dropped. */
  settle(requestId: string, answer: { error: string } | { value: T }): void {
    const r = this.waiting.get(requestId);
    if (!r) return;
    this.waiting.delete(requestId);
    clearTimeout(r.timer);
    if ('error' in answer) r.reject(unavailable(answer.error));
    else r.resolve(answer.value);
  }

  failAll(why: string): void {
    for (const r of this.waiting.values()) {
      clearTimeout(r.timer);
      r.reject(unavailable(why));
    }
    this.waiting.clear();
  }
}
