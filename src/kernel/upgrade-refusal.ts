import type { Duplex } from 'node:stream';

/**
 * Refuses a protocol upgrade (a websocket or SPDY request) on its raw socket: an HTTP answer with
 * a JSON body, and the connection closed — there is no response object for an upgrade.
 */
export function refuseUpgrade(socket: Duplex, status: string, body: unknown): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}
