/**
 * The components of a running process, stopped in the reverse of the order they started: what
 * started last (and may depend on what came before) stops first, and the store, opened first,
 * closes last. A component whose stop throws is reported and the others still stop.
 */
export class Lifecycle {
  private readonly stops: { name: string; stop: () => void | Promise<void> }[] = [];
  private stopping: Promise<void> | undefined;

  /** Records a started component's stop. */
  started(name: string, stop: () => void | Promise<void>): void {
    this.stops.push({ name, stop });
  }

  /** Stops every component once, last started first; later calls wait for the same stop. */
  stopAll(onError: (name: string, e: unknown) => void): Promise<void> {
    return (this.stopping ??= (async () => {
      for (const { name, stop } of this.stops.splice(0).reverse()) {
        try {
          await stop();
        } catch (e) {
          onError(name, e);
        }
      }
    })());
  }
}
