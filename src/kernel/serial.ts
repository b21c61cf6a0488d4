/**
 * One at a time: work run through a lane starts when the work before it has settled (whether it
 * succeeded or not). Used where many local callers would otherwise race for the same rows of a
 * shared store and mostly lose to each other's optimistic transactions.
 */
export class Lane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** A lane per object (a store, say), made on first use and dropped with the object. */
export class Lanes {
  private readonly lanes = new WeakMap<object, Lane>();

  of(key: object): Lane {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = new Lane()));
    return lane;
  }
}
