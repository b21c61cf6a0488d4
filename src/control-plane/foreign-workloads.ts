import type { ServiceRoutes, TaskStateMessage, UsageMessage, WorkloadSpec } from '../wire/index.js';

/** A host as another face knows it: its container instance id and the ECS cluster it joined. */
export interface HostRef {
  id: string;
  cluster?: string;
}

/** A workload's report from its host, as the agent sends it. */
export type WorkloadReport = Omit<TaskStateMessage, 'type' | 'cluster'>;

/**
 * Workloads another face places on berth's hosts beside ECS tasks (Kubernetes pods). The agent
 * gateway sends a host the face's workloads with its tasks, and hands the face the reports about
 * them; the face decides everything else. The server provides it (the control plane does not
 * know the face).
 */
export interface ForeignWorkloads {
  /** Every workload the host should run (or stop) now. */
  forHost(host: HostRef): WorkloadSpec[];
  /** Calls back with a host's id when what it runs may have changed; returns the unsubscribe. */
  watch(listener: (hostId: string) => void): () => void;
  /** Whether a workload id is one of the face's. */
  owns(workloadId: string): boolean;
  /** A report about one of the face's workloads, from the host that runs it. */
  report(host: HostRef, report: WorkloadReport): Promise<void>;
  /** A host's usage report (every workload it runs, the face's among them). */
  usage?(host: HostRef, msg: UsageMessage): void;
  /** The virtual addresses and cluster DNS a host serves (undefined: none, it is not one of the face's). */
  routes?(host: HostRef): ServiceRoutes | undefined;
  /** Calls back when the routes may have changed; returns the unsubscribe. */
  watchRoutes?(listener: () => void): () => void;
  /** The shared volumes the host is to remove now (the face has let them go); `watch` tells when they change. */
  volumeRemovals?(host: HostRef): string[];
  /** The host has removed these (or found them absent). */
  volumesRemoved?(host: HostRef, ids: string[]): Promise<void>;
}

/**
 * What one agent session has sent of the other face's workloads: the full set on (re)connect,
 * then deltas when the face says the host's workloads changed (coalesced to one per turn).
 */
export class ForeignFeed {
  private readonly sent = new Map<string, string>();
  private pending = false;
  private readonly unwatch: () => void;
  private readonly unwatchRoutes: () => void;
  private sentRoutes?: string;
  private sentRemovals?: string;

  constructor(
    private readonly foreign: ForeignWorkloads,
    private readonly host: HostRef,
    private readonly sendDelta: (changed: WorkloadSpec[], removed: string[]) => void,
    private readonly sendRoutes?: (routes: ServiceRoutes) => void,
    private readonly sendRemovals?: (ids: string[]) => void,
  ) {
    this.unwatchRoutes = (sendRoutes && foreign.watchRoutes?.(() => this.routes())) || (() => undefined);
    this.unwatch = foreign.watch((hostId) => {
      if (hostId !== host.id || this.pending) return;
      this.pending = true;
      queueMicrotask(() => {
        this.pending = false;
        // The host may have become (or stopped being) one the face serves routes to: routes go
        // first, so that a workload's first lookups find its host serving them.
        this.routes();
        this.delta();
        this.removals();
      });
    });
  }

  /** Every workload of the face for the host, remembered as sent. */
  full(): WorkloadSpec[] {
    const all = this.foreign.forHost(this.host);
    this.sent.clear();
    for (const w of all) this.sent.set(w.id, JSON.stringify(w));
    return all;
  }

  private delta(): void {
    const changed: WorkloadSpec[] = [];
    const keep = new Set<string>();
    for (const w of this.foreign.forHost(this.host)) {
      keep.add(w.id);
      const body = JSON.stringify(w);
      if (this.sent.get(w.id) === body) continue;
      this.sent.set(w.id, body);
      changed.push(w);
    }
    const removed = [...this.sent.keys()].filter((id) => !keep.has(id));
    for (const id of removed) this.sent.delete(id);
    if (changed.length || removed.length) this.sendDelta(changed, removed);
  }

  /** The face's routes, sent when they differ from what this session last sent (`force`: on connect). */
  routes(force = false): void {
    const r = this.sendRoutes && this.foreign.routes?.(this.host);
    if (!r) return;
    const body = JSON.stringify(r);
    if (!force && body === this.sentRoutes) return;
    this.sentRoutes = body;
    this.sendRoutes?.(r);
  }

  /** The volumes to remove, sent when they differ from what this session last sent (`force`: on connect, if any). */
  removals(force = false): void {
    const ids = this.sendRemovals && this.foreign.volumeRemovals?.(this.host);
    if (!ids) return;
    const body = JSON.stringify(ids);
    if (force ? ids.length === 0 : body === (this.sentRemovals ?? '[]')) return;
    this.sentRemovals = body;
    this.sendRemovals?.(ids);
  }

  close(): void {
    this.unwatch();
    this.unwatchRoutes();
  }
}
