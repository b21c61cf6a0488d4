import { BerthError, conflict } from '../kernel/index.js';
import type { Change, WatchOptions } from './port.js';

/**
 * Fan-out of committed changes to watchers, shared by every Store implementation.
 * The backlog is read and the subscription made in the same synchronous turn, so no
 * commit can fall between the two.
 */
export class WatchHub {
  private readonly subscribers = new Set<(changes: readonly Change[]) => void>();
  private closed = false;

  publish(changes: readonly Change[]): void {
    if (changes.length === 0) return;
    for (const s of this.subscribers) s(changes);
  }

  /** A listener called with every publish, in the publisher's turn (see Store.subscribe). */
  subscribe(listener: (changes: readonly Change[]) => void): () => void {
    if (this.closed) return () => undefined;
    const s = (changes: readonly Change[]) => {
      if (changes.length > 0) listener(changes);
    };
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  close(): void {
    this.closed = true;
    for (const s of this.subscribers) s([]);
    this.subscribers.clear();
  }

  watch(
    fromRevision: number,
    compacted: number,
    backlog: (from: number) => Change[],
    options: WatchOptions = {},
  ): AsyncIterable<Change> {
    if (fromRevision < compacted) {
      throw conflict(`revision ${fromRevision} has been compacted; watch from ${compacted} or later`);
    }
    const tables = options.tables ? new Set(options.tables) : undefined;
    const wanted = (c: Change) => c.revision > fromRevision && (!tables || tables.has(c.table));
    const queue: Change[] = backlog(fromRevision).filter(wanted);
    let wake: (() => void) | undefined;
    let ended = this.closed;
    const subscriber = (changes: readonly Change[]) => {
      if (changes.length === 0) ended = true;
      for (const c of changes) if (wanted(c)) queue.push(c);
      wake?.();
    };
    const subscribers = this.subscribers;
    if (!ended) subscribers.add(subscriber);
    const signal = options.signal;
    const onAbort = () => {
      ended = true;
      wake?.();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (queue.length > 0) yield queue.shift() as Change;
            if (ended || signal?.aborted) return;
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        } finally {
          subscribers.delete(subscriber);
          signal?.removeEventListener('abort', onAbort);
        }
      },
    };
  }
}

export function isCompacted(e: unknown): boolean {
  return e instanceof BerthError && e.kind === 'Conflict' && e.message.includes('compacted');
}
