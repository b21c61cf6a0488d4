import net from 'node:net';
import { Balancer, type GroupView } from './balancer.js';

export interface TcpListenerView {
  group?: GroupView;
}

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
    const end = () => {
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
