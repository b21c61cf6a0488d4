import http from 'node:http';
import type { ElbAction } from '../tables.js';
import { Balancer, type GroupView } from './balancer.js';
import { route, type CompiledRule } from './matcher.js';

/** What one HTTP listener routes with; replaced whole when its configuration changes. */
export interface HttpListenerView {
  port: number;
  /** `http` or `https`, as the client spoke to the listener. */
  scheme: string;
  rules: CompiledRule[];
  groups: ReadonlyMap<string, GroupView>;
}

// Hop-by-hop headers are the connection's own, never forwarded (RFC 9110 §7.6.1).
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

const STATUS_TEXT: Record<number, string> = {
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

function answerError(res: http.ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${status} ${STATUS_TEXT[status] ?? ''}`;
  const body = `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(status, STATUS_TEXT[status] ?? '', {
    server: 'awselb/2.0',
    'content-type': 'text/html',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function fixedResponse(res: http.ServerResponse, a: ElbAction): void {
  const c = a.FixedResponseConfig;
  const body = c?.MessageBody ?? '';
  res.writeHead(Number(c?.StatusCode ?? 200), {
    server: 'awselb/2.0',
    'content-type': c?.ContentType ?? 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A redirect's Location from its #{protocol}, #{host}, #{port}, #{path} and #{query} templates. */
function redirect(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  a: ElbAction,
  port: number,
  scheme: string,
): void {
  const c = a.RedirectConfig;
  const url = new URL(req.url ?? '/', 'http://x');
  const vars: Record<string, string> = {
    protocol: scheme,
    host: (req.headers.host ?? '').replace(/:\d+$/, ''),
    port: String(port),
    path: url.pathname.slice(1),
    query: url.search.slice(1),
  };
  const fill = (t: string | undefined, d: string) =>
    (t ?? d).replace(/#\{(protocol|host|port|path|query)\}/g, (_, k: string) => vars[k] ?? '');
  const protocol = fill(c?.Protocol, '#{protocol}').toLowerCase();
  const p = fill(c?.Port, '#{port}');
  const query = fill(c?.Query, '#{query}');
  const location = `${protocol}://${fill(c?.Host, '#{host}')}${p === (protocol === 'https' ? '443' : '80') ? '' : `:${p}`}${fill(c?.Path, '/#{path}')}${query ? `?${query}` : ''}`;
  res.writeHead(c?.StatusCode === 'HTTP_301' ? 301 : 302, { server: 'awselb/2.0', location, 'content-length': 0 });
  res.end();
}

/**
 * An application load balancer's request handler: the first rule that matches decides; a
 * forward goes to a target over a kept-alive connection with X-Forwarded-For/-Proto/-Port added.
 */
export function httpHandler(
  view: () => HttpListenerView,
  balancer: Balancer,
  agent: http.Agent,
  /** Told of each request the listener takes, with the target group it goes to (if any). */
  onRequest: (groupArn?: string) => void = () => undefined,
) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const v = view();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const actions = route(v.rules, {
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      host: req.headers.host ?? '',
      headers: req.headers,
      query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
      sourceIp,
    });
    const a = actions[actions.length - 1];
    if (a?.Type !== 'forward') onRequest();
    if (!a) return answerError(res, 503);
    if (a.Type === 'fixed-response') return fixedResponse(res, a);
    if (a.Type === 'redirect') return redirect(req, res, a, v.port, v.scheme);
    const group = Balancer.group(a, v.groups);
    const sticky = group?.sticky?.type === 'lb_cookie' ? group.sticky : undefined;
    const target = group && balancer.pick(group, sticky ? { cookieTarget: stickyTarget(req.headers.cookie) } : {});
    onRequest(target ? group.arn : undefined);
    if (!target) return answerError(res, 503);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, val] of Object.entries(req.headers)) if (!HOP.has(k) && val !== undefined) headers[k] = val;
    const xff = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = xff ? `${String(xff)}, ${sourceIp}` : sourceIp;
    headers['x-forwarded-proto'] = v.scheme;
    headers['x-forwarded-port'] = String(v.port);
    balancer.started(target);
    let done = false;
    const end = () => {
      if (!done) {
        done = true;
        balancer.ended(target);
      }
    };
    // A kept-alive connection the target closed just as it was reused fails before any answer;
    // a request without a body is then sent once more on a new connection, as proxies do.
    const bodyless = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
    const send = (retry: boolean) => {
      const up = http.request(
        {
          host: target.address,
          port: target.port,
          method: req.method,
          path: url,
          headers,
          agent: retry ? false : agent,
        },
        (r) => {
          const out: http.OutgoingHttpHeaders = {};
          for (const [k, val] of Object.entries(r.headers)) if (!HOP.has(k) && val !== undefined) out[k] = val;
          if (sticky)
            out['set-cookie'] = [...(r.headers['set-cookie'] ?? []), ...stickyCookies(target.key, sticky.durationSec)];
          res.writeHead(r.statusCode ?? 502, out);
          r.pipe(res);
          r.on('end', end);
          r.on('error', () => {
            end();
            res.destroy();
          });
        },
      );
      up.on('error', () => {
        if (!retry && up.reusedSocket && bodyless && !res.headersSent && !res.destroyed) return send(true);
        end();
        answerError(res, 502);
      });
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
        end();
      });
      if (bodyless) up.end();
      else req.pipe(up);
    };
    send(false);
  };
}

/** The target an AWSALB cookie names (its value is the target's key, base64url), if any. */
function stickyTarget(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== 'AWSALB') continue;
    return Buffer.from(part.slice(eq + 1).trim(), 'base64url').toString();
  }
  return undefined;
}

/** ELB's stickiness cookies for a target: AWSALB, and AWSALBCORS for cross-origin requests. */
function stickyCookies(key: string, durationSec: number): string[] {
  const value = Buffer.from(key).toString('base64url');
  const expires = new Date(Date.now() + durationSec * 1000).toUTCString();
  return [
    `AWSALB=${value}; Expires=${expires}; Path=/`,
    `AWSALBCORS=${value}; Expires=${expires}; Path=/; SameSite=None; Secure`,
  ];
}
