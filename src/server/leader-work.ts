import type { Logger } from '../kernel/index.js';
import type { Leadership } from '../store/index.js';

type Stop = () => void | Promise<void>;

/**
 * The work only one server may do at a time (controllers, registry maintenance, retention):
 * started while this server leads, stopped as soon as it no longer does, started again when it
 * leads again. Each part starts from what the store holds, so a new leader resumes where the old
 * one stopped. One server over SQLite leads from the start and never stops leading.
 */
export class LeaderWork {
  private readonly parts: { name: string; start: () => Stop; stop?: Stop }[] = [];
  private unsubscribe?: () => void;
  /** Stops and starts run one after another, in the order leadership changed. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly leadership: Leadership,
    private readonly logger: Logger,
  ) {}

  /** Whether the parts run (this server leads and the work has not been stopped). */
  private active = false;

  /** A part, by name: `start` begins it and returns how to stop it (at once if the parts run). */
  add(name: string, start: () => Stop): void {
    this.parts.push({ name, start });
    if (this.active) void this.turn(true);
  }

  /** Follows leadership from now on (starting every part at once if this server leads). */
  begin(): void {
    this.unsubscribe = this.leadership.onChange((leading) => void this.turn(leading));
    if (this.leadership.leading) void this.turn(true);
  }

  /** Stops following leadership and stops every running part; resolves once they have stopped. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.turn(false);
  }

  private turn(leading: boolean): Promise<void> {
    this.chain = this.chain.then(async () => {
      this.active = leading;
      if (leading) {
        for (const p of this.parts) {
          if (p.stop) continue;
          try {
            p.stop = p.start();
          } catch (e) {
            this.logger.error({ component: p.name, err: String(e) }, 'leader work did not start');
          }
        }
        this.logger.debug({ parts: this.parts.length }, 'leading: controllers and maintenance started');
        return;
      }
      // Last started, first stopped (as the process's own components stop).
      for (const p of [...this.parts].reverse()) {
        const stop = p.stop;
        p.stop = undefined;
        try {
          await stop?.();
        } catch (e) {
          this.logger.error({ component: p.name, err: String(e) }, 'leader work did not stop cleanly');
        }
      }
    });
    return this.chain;
  }
}
