import { request } from 'node:http';
import { connect } from 'node:net';

/** Where a network probe connects: the workload's address unless the probe names a host. */
export interface ProbeTarget {
  host: string;
  port: number;
}

/** The network probes, from the host into a workload (a port, so the runner's tests need no sockets). */
export interface NetworkProber {
  /** An HTTP GET: passes on a status from 200 to 399 (Kubernetes' rule); redirects are not followed. */
  http(target: ProbeTarget & { path: string }, timeoutMs: number): Promise<boolean>;
  /** A TCP connect: passes once the connection opens. */
  tcp(target: ProbeTarget, timeoutMs: number): Promise<boolean>;
}

function httpGet(target: ProbeTarget & { path: string }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    // The path comes from a workload spec: anything that is not an absolute path is probed as `/path`.
    const path = target.path.startsWith('/') ? target.path : `/${target.path}`;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    const req = request({
      host: target.host,
      port: target.port,
      path,
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'berth-probe/1', accept: '*/*', connection: 'close' },
    });
    // The whole probe, connect to status line, has one deadline; the body is never read.
    const timer = setTimeout(() => done(false), timeoutMs);
    req.once('response', (res) => {
      const code = res.statusCode ?? 0;
      res.destroy();
      done(code >= 200 && code < 400);
    });
    req.once('error', () => done(false));
    req.end();
  });
}

function tcpConnect(target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The real probes, over the host's sockets. */
export const networkProber: NetworkProber = { http: httpGet, tcp: tcpConnect };
