import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { PodExecSource } from '../kube/index.js';
import { MAX_UNREAD_BYTES, sendOnChannel } from './pod-exec.js';
import type { PodTarget } from './pod-target.js';
import { SpdySession, type SpdyStream, type SpdyTransport } from './spdy.js';

/** The websocket subprotocol kubectl 1.30+ asks for first: SPDY/3.1 carried in binary messages. */
export const PORT_FORWARD_TUNNEL = 'SPDY/3.1+portforward.k8s.io';
const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** A port's number as a client writes it, or undefined for anything but 1–65535. */
function parsePort(text: string): number | undefined {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** What a forwarded connection asks of the pod's node: a connection to `port`, not a command. */
const connection = (p: PodTarget, port: number) => ({
  taskId: p.taskId,
  container: '',
  command: [],
  tty: false,
  stdin: true,
  port,
});

/** A forwarding error as the kubelet words it. */
const forwardError = (p: PodTarget, port: number | string, why: string) =>
  Buffer.from(`error forwarding port ${port} to pod ${p.name}, uid ${p.uid}: ${why}`);

/**
 * One port-forward session (the kubelet's side of `portforward.k8s.io`): for each connection kubectl
 * accepts locally it opens two streams with one `requestID`, an error stream and a data stream,
 * both naming the pod's `port`. Once both are there, the pod's node connects to that port in the
 * pod's network and the data stream carries the connection's bytes; what went wrong is written to
 * the error stream, and both end when the connection does.
 */
export function portForwardSession(transport: SpdyTransport, source: PodExecSource, p: PodTarget): SpdySession {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  const open = new Set<{ hangUp: () => void }>();
  const session = new SpdySession(
    transport,
    (s) => {
      const type = s.headers.get('streamtype');
      const id = s.headers.get('requestid') ?? '';
      if ((type !== 'error' && type !== 'data') || pairs.size > 1000) return s.cancel();
      const pair = pairs.get(id) ?? {};
      if (pair[type]) return s.cancel();
      pair[type] = s;
      pairs.set(id, pair);
      const { error, data } = pair;
      if (!error || !data) return;
      pairs.delete(id);
      const entry: { hangUp: () => void } = { hangUp: () => undefined };
      open.add(entry);
      entry.hangUp = forward(source, p, s.headers.get('port') ?? '', error, data, () => open.delete(entry));
    },
    () => {
      for (const e of open) e.hangUp();
    },
  );
  return session;
}

/** Forwards one connection; returns how to hang it up. */
function forward(
  source: PodExecSource,
  p: PodTarget,
  portText: string,
  error: SpdyStream,
  data: SpdyStream,
  done: () => void,
): () => void {
  const fail = (why: string) => {
    error.write(forwardError(p, portText, why));
    error.end();
    data.end();
    done();
  };
  const port = parsePort(portText);
  if (port === undefined) {
    fail(`invalid port "${portText}"`);
    return () => undefined;
  }
  let handle;
  try {
    handle = source.open(p.hostId, connection(p, port), {
      output: (_stream, d) => data.write(d),
      exit: (outcome) => {
        if ('error' in outcome) return fail(outcome.error);
        data.end();
        error.end();
        done();
      },
    });
  } catch (e) {
    fail((e as Error).message);
    return () => undefined;
  }
  const h = handle;
  data.onData((d) => h.write(d));
  data.onEnd(() => h.eof());
  data.onReset(() => h.hangUp());
  return () => h.hangUp();
}

/** Over a websocket (`SPDY/3.1+portforward.k8s.io`): each binary message is a piece of the SPDY stream. */
export function portForwardOverWebsocket(ws: WebSocket, source: PodExecSource, p: PodTarget): void {
  const write = (d: Buffer) => (ws.bufferedAmount > MAX_UNREAD_BYTES ? ws.terminate() : ws.send(d));
  const session = portForwardSession({ write, close: () => ws.close(1000) }, source, p);
  ws.on('message', (d: Buffer) => session.receive(d));
  ws.on('close', () => session.close());
  ws.on('error', () => ws.terminate());
}

/** After a raw `Upgrade: SPDY/3.1`: the socket is the SPDY stream. */
export function portForwardOverSocket(socket: Duplex, head: Buffer, source: PodExecSource, p: PodTarget): void {
  (socket as Socket).setTimeout?.(0);
  (socket as Socket).setNoDelay?.(true);
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`,
  );
  const write = (d: Buffer) => void (socket.writableLength > MAX_UNREAD_BYTES ? socket.destroy() : socket.write(d));
  const session = portForwardSession({ write, close: () => socket.end() }, source, p);
  if (head.length) session.receive(head);
  socket.on('data', (d: Buffer) => session.receive(d));
  socket.on('close', () => session.close());
  socket.on('error', () => socket.destroy());
}

/** The ports a channel port-forward asks for (`ports=8080,9090` or repeated), or why not. */
export function forwardedPorts(q: URLSearchParams): number[] {
  const words = q.getAll('ports').flatMap((v) => v.split(','));
  if (words.length === 0) throw new Error('at least one port must be given (`ports`)');
  if (words.length > 16) throw new Error('at most 16 ports may be forwarded at once');
  return words.map((w) => {
    const n = parsePort(w.trim());
    if (n === undefined) throw new Error(`invalid port "${w}"`);
    return n;
  });
}

/**
 * Over a websocket's channels (`v4.channel.k8s.io`, as the Python client forwards): one connection
 * per port asked for, port i's data on channel 2i and its errors on 2i+1, the first message of each
 * channel the port number (2 bytes, little-endian). The stream ends when every connection has.
 */
export function portForwardOverChannels(ws: WebSocket, source: PodExecSource, p: PodTarget, ports: number[]): void {
  const frame = (channel: number, data: Buffer) =>
    ws.bufferedAmount > MAX_UNREAD_BYTES ? ws.terminate() : sendOnChannel(ws, channel, data);
  let open = ports.length;
  const handles = ports.map((port, i) => {
    const portBytes = Buffer.of(port & 0xff, port >> 8);
    frame(2 * i, portBytes);
    frame(2 * i + 1, portBytes);
    const ended = () => {
      if (--open === 0) ws.close(1000);
    };
    try {
      return source.open(p.hostId, connection(p, port), {
        output: (_stream, d) => frame(2 * i, d),
        exit: (outcome) => {
          if ('error' in outcome) frame(2 * i + 1, forwardError(p, port, outcome.error));
          ended();
        },
      });
    } catch (e) {
      frame(2 * i + 1, forwardError(p, port, (e as Error).message));
      ended();
      return undefined;
    }
  });
  ws.on('message', (d: Buffer) => {
    const channel = d[0];
    if (channel === undefined || channel % 2 !== 0 || d.length < 2) return;
    handles[channel / 2]?.write(d.subarray(1));
  });
  ws.on('close', () => {
    for (const h of handles) h?.hangUp();
  });
  ws.on('error', () => ws.terminate());
}
