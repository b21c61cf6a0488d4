import net from 'node:net';
import { Balancer, type GroupView } from './balancer.js';

export interface TcpListenerView {
  group?: GroupView;
}

export const CONNECT_TIMEOUT_MS = 10_000;

/** A network load balancer's connection handler: each connection goes whole to one target. */
export function tcpHandler(view: () => TcpListenerView, balancer: Balancer) {
  return (client: net.Socket): void => {
    const g = view().group;
    const target = g && balancer.pick(g, { sourceIp: (client.remoteAddress ?? '').replace(/^::ffff:/, '') });
    if (!target) {
      client.destroy();
      return;
    }
    balancer.started(target);
    const up = net.connect({ host: target.address, port: target.port });
    let ended = false;
    // A target that never answers the connection ends it after CONNECT_TIMEOUT_MS, as ELB's
    // target connection timeout does, rather than after the kernel's SYN retries (minutes).
    const connecting = setTimeout(() => end(), CONNECT_TIMEOUT_MS);
    up.once('connect', () => clearTimeout(connecting));
    const end = () => {
      clearTimeout(connecting);
      if (ended) return;
      ended = true;
      balancer.ended(target);
      client.destroy();
      up.destroy();
    };
    client.pipe(up).pipe(client);
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  };
}
