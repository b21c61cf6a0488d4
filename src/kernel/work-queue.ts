/**
 * The controller kit's queue, with the semantics of client-go's workqueue: a key is queued at most
 * once however often it is added; a key being processed is not handed to a second worker, and if
 * it is added meanwhile it is queued again once `done`; a key whose sync failed comes back after
 * an exponential back-off of its own (`addRateLimited`), which ordinary adds do not cut short,
 * until `forget` clears it. Controllers sync one key at a time from here, so one broken object
 * slows only itself.
 */
export interface WorkQueueOptions {
  /** The first back-off of a failing key (default 5 ms); it doubles with each failure. */
  baseDelayMs?: number;
  /** The longest back-off (default 60 s). */
  maxDelayMs?: number;
}

export class WorkQueue<K> {
  private readonly queue: K[] = [];
  private head = 0;
  /** Keys waiting to be processed (queued, or re-added while processing). */
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  /** Keys due later, with when and whether the wait is a failure's back-off. */
  private readonly waiting = new Map<K, { at: number; timer: NodeJS.Timeout; backoff: boolean }>();
  private readonly failures = new Map<K, number>();
  private readonly getters: ((k: K | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly base: number;
  private readonly max: number;

  constructor(options: WorkQueueOptions = {}) {
    this.base = options.baseDelayMs ?? 5;
    this.max = options.maxDelayMs ?? 60_000;
  }

  /** Queues a key now, unless it is already queued or backing off after a failure. */
  add(key: K): void {
    if (this.shuttingDown || this.waiting.get(key)?.backoff) return;
    this.clearWait(key);
    this.enqueue(key);
  }

  /** Queues a key after `ms`; an earlier pending time for it wins. */
  addAfter(key: K, ms: number, backoff = false): void {
    if (this.shuttingDown) return;
    if (ms <= 0 && !backoff) return this.add(key);
    const at = Date.now() + ms;
    const pending = this.waiting.get(key);
    if (pending && pending.at <= at && (pending.backoff || !backoff)) return;
    this.clearWait(key);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.enqueue(key);
    }, ms);
    timer.unref?.();
    this.waiting.set(key, { at, timer, backoff });
  }

  /** Queues a key after its back-off, which doubles with each failure since the last `forget`. */
  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.max, this.base * 2 ** Math.min(n, 30)), true);
  }

  /** How many times the key has failed since it was last forgotten. */
  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The key's sync succeeded: its back-off starts again from the beginning. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  /** The next key to process, or undefined once the queue is shut down. Call `done` after it. */
  get(): Promise<K | undefined> {
    const key = this.take();
    if (key !== undefined || this.shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** The key is processed; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  /** Keys queued and not yet taken. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** Hands no more keys out; workers waiting in `get` receive undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
  }

  private enqueue(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) this.push(key);
  }

  private push(key: K): void {
    const getter = this.getters.shift();
    if (getter) {
      this.dirty.delete(key);
      this.processing.add(key);
      getter(key);
    } else this.queue.push(key);
  }

  private take(): K | undefined {
    if (this.head === this.queue.length) return undefined;
    const key = this.queue[this.head++] as K;
    // Compact now and then, so a long-lived queue does not keep every key it ever held.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private clearWait(key: K): void {
    const w = this.waiting.get(key);
    if (w) clearTimeout(w.timer);
    this.waiting.delete(key);
  }
}
