import type { Campaign, Etcd3 } from 'etcd3';
import { etcdClient } from './client.js';
import type { Leadership } from '../leadership.js';

export interface EtcdLeadershipOptions {
  endpoints: string[];
  /** Where the election's keys go (berth's prefix, as the store's: `/berth`). */
  prefix?: string;
  /** What this server is called in the election (its address, say). */
  id: string;
  /**
   * The lease's time to live: how long a leader that died without resigning (kill -9, a lost
   * network) keeps the lead. 5 s by default: another server leads within about that.
   */
  ttlSeconds?: number;
}

/**
 * Leadership by etcd election: each server campaigns with a lease of its own; the one whose key
 * is oldest leads until it resigns or its lease lapses. A server whose lease lapses under it (etcd
 * unreachable for longer than the TTL) stops leading at once and campaigns again.
 */
export class EtcdLeadership implements Leadership {
  private current = false;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private campaign: Campaign | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  private constructor(
    private readonly client: Etcd3,
    private readonly o: EtcdLeadershipOptions,
  ) {}

  static start(o: EtcdLeadershipOptions): EtcdLeadership {
    const client = etcdClient(o.endpoints);
    const l = new EtcdLeadership(client, o);
    l.run();
    return l;
  }

  get leading(): boolean {
    return this.current;
  }

  onChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(leading: boolean): void {
    if (leading === this.current) return;
    this.current = leading;
    for (const l of this.listeners) l(leading);
  }

  private run(): void {
    if (this.closed) return;
    const election = this.client.namespace(`${this.o.prefix ?? '/berth'}/`).election('leader', this.o.ttlSeconds ?? 5);
    const c = election.campaign(this.o.id);
    this.campaign = c;
    c.on('elected', () => {
      if (this.campaign === c && !this.closed) this.set(true);
    });
    c.on('error', () => {
      if (this.campaign !== c) return;
      this.set(false);
      this.campaign = undefined;
      void c.resign().catch(() => undefined);
      if (!this.closed) this.retry = setTimeout(() => this.run(), 1000);
    });
  }

  /** Stops campaigning, resigning (its lease revoked: the next server leads at once). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retry);
    this.set(false);
    const c = this.campaign;
    this.campaign = undefined;
    if (c) await c.resign().catch(() => undefined);
    this.client.close();
  }
}
