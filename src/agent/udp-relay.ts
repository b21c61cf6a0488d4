import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Backend } from '../wire/index.js';

/** A flow with nothing sent either way for this long is forgotten (as conntrack does for UDP). */
const IDLE_MS = 30_000;
/** Flows at once per port: past this, datagrams from new senders are dropped, not given sockets. */
const MAX_FLOWS = 1024;

interface Flow {
  upstream: Socket;
  backend: Backend;
  timer: NodeJS.Timeout;
}

/**
 * One UDP service port: datagrams from each sender (address and port) go to one backend, picked in
 * turn when the sender is first seen, through a socket of the flow's own, so that the backend's
 * replies come back to the sender from the service's address. UDP has no reset: with no backend
 * ready, a datagram is dropped.
 */
export class UdpRelay {
  private readonly flows = new Map<string, Flow>();
  private next = 0;

  private constructor(
    private readonly socket: Socket,
    private backends: Backend[],
    private readonly idleMs: number,
  ) {
    socket.on('message', (msg, from) => this.relay(msg, from));
    // A send that fails (a sender gone, a full buffer) loses that datagram only, as UDP may.
    socket.on('error', () => undefined);
  }

  /** Listens on the address and port (EADDRINUSE and the like reject). */
  static open(host: string, port: number, backends: Backend[], idleMs = IDLE_MS): Promise<UdpRelay> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve(new UdpRelay(socket, backends, idleMs));
      });
    });
  }

  /** New flows go to these; a flow to a backend no longer among them ends. */
  setBackends(backends: Backend[]): void {
    this.backends = backends;
    const live = new Set(backends.map((b) => `${b.ip}:${b.port}`));
    for (const [key, f] of this.flows) if (!live.has(`${f.backend.ip}:${f.backend.port}`)) this.end(key);
  }

  /** The port it listens on (the one asked for, or the one given for 0). */
  get port(): number {
    return this.socket.address().port;
  }

  get flowCount(): number {
    return this.flows.size;
  }

  close(): void {
    for (const key of [...this.flows.keys()]) this.end(key);
    this.socket.close();
  }

  private relay(msg: Buffer, from: RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      const backend = this.backends.length ? this.backends[this.next++ % this.backends.length] : undefined;
      if (!backend || this.flows.size >= MAX_FLOWS) return;
      const upstream = createSocket('udp4');
      upstream.on('message', (reply, at) => {
        // Only the backend's own replies: the flow's socket is not an open relay for others.
        if (at.address !== backend.ip || at.port !== backend.port) return;
        this.touch(key);
        this.socket.send(reply, from.port, from.address);
      });
      upstream.on('error', () => this.end(key));
      flow = { upstream, backend, timer: setTimeout(() => this.end(key), this.idleMs).unref() };
      this.flows.set(key, flow);
    }
    this.touch(key);
    flow.upstream.send(msg, flow.backend.port, flow.backend.ip);
  }

  private touch(key: string): void {
    this.flows.get(key)?.timer.refresh();
  }

  private end(key: string): void {
    const f = this.flows.get(key);
    if (!f) return;
    this.flows.delete(key);
    clearTimeout(f.timer);
    f.upstream.close();
  }
}
