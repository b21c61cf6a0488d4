/**
 * Which server does the work only one may do at a time (the service and deployment controllers,
 * registry maintenance, retention sweeps). One server over SQLite always leads; servers over etcd
 * elect one (etcd/leadership.ts).
 */
export interface Leadership {
  /** Whether this server leads now. */
  readonly leading: boolean;
  /** Told `true` when this server comes to lead and `false` when it stops; returns the unsubscribe. */
  onChange(listener: (leading: boolean) => void): () => void;
  /** Stops campaigning, giving up the lead at once if held. */
  close(): Promise<void>;
}

/** The one server of a store no other server shares: it leads from the start. */
export function soleLeadership(): Leadership {
  return { leading: true, onChange: () => () => undefined, close: async () => undefined };
}
