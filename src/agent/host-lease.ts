import { createServer, type Server } from 'node:net';

/** Something one process on a host holds at a time. */
export interface Lease {
  /** True when this process holds it (now, or already). */
  acquire(): Promise<boolean>;
  release(): void;
}

/**
 * A lease held through a listening socket in the abstract Unix namespace of this host's network
 * namespace: a second listener on the name fails, and the kernel frees the name when its holder
 * exits, however it exits — no lock file left behind by a crash, no owner to ask whether it lives.
 */
export class HostLease implements Lease {
  private server?: Server;

  constructor(private readonly name: string) {}

  acquire(): Promise<boolean> {
    if (this.server) return Promise.resolve(true);
    const server = createServer((c) => c.destroy());
    return new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ path: `\0${this.name}` }, () => {
        // Held, not waited on: the lease alone keeps no process running.
        server.unref();
        this.server = server;
        resolve(true);
      });
    });
  }

  release(): void {
    this.server?.close();
    this.server = undefined;
  }
}
