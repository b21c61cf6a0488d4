/**
 * Virtual addresses every host serves for a face that has them (Kubernetes Services): connections
 * to a virtual IP's port, or to a port on any of the host's addresses, go to one of its backends;
 * and the in-cluster DNS, which answers for the zone's names and passes other questions on to the
 * host's resolvers. Sent whole to each host when it changes.
 */
export interface Backend {
  ip: string;
  port: number;
  /**
   * The berth server this host's agent is connected to, at the address the agent reaches it by
   * (the API server behind a cluster's `kubernetes` Service); `ip` and `port` are then unused.
   */
  controlPlane?: boolean;
}

export interface ServiceRoutes {
  /** Cluster IPs: `ip:port` forwards to a backend (none: the connection is refused). */
  virtual: { ip: string; port: number; protocol: 'tcp' | 'udp'; backends: Backend[] }[];
  /** Node ports: `port` on every address of the host forwards to a backend. */
  hostPorts: { port: number; protocol: 'tcp' | 'udp'; backends: Backend[] }[];
  /** The in-cluster DNS server's address, its zone (`cluster.local`), and the zone's names. */
  dns?: { ip: string; zone: string; records: { name: string; ips: string[] }[] };
}

export const NO_ROUTES: ServiceRoutes = { virtual: [], hostPorts: [] };
