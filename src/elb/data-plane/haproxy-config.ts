import { actionWeights, conditionValues } from '../actions.js';
import type { ElbAction, ElbCondition } from '../tables.js';
import type { GroupView } from './balancer.js';
import type { ListenerPlan } from './engine.js';

/** A target group's backend: its name, its algorithm, and its server slots (empty: unused). */
export interface BackendPlan {
  name: string;
  leastOutstanding: boolean;
  sticky?: GroupView['sticky'];
  slowStartSec?: number;
  slots: ({ address: string; port: number; ready: boolean } | undefined)[];
}

/** An address as HAProxy reads it before `:port` (IPv6 in brackets). */
const hostPort = (address: string) => (address.includes(':') ? `[${address}]` : address);

/** HAProxy's config words for a string: double-quoted, anything but plain characters as \xNN. */
export const quoted = (text: string) =>
  `"${[...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9 ,.:/_=+-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('')}"`;

/** A PCRE for a literal piece: metacharacters and quotes as hex escapes, `?` as one character. */
const piece = (lit: string, any: string) =>
  [...lit]
    .map((c) => (c === '?' ? any : /[A-Za-z0-9/_-]/.test(c) ? c : `\\x{${c.codePointAt(0)?.toString(16)}}`))
    .join('');

/**
 * An ELB wildcard (`*` any run, `?` one character) as a PCRE that matches as berth's own matcher
 * does and in linear time: each middle piece is found at its first place inside an atomic group,
 * so the engine never backtracks into it. Single-quoted for HAProxy (no escapes processed there).
 */
export function globRegex(pattern: string, any = '.'): string {
  const parts = pattern.split('*');
  const run = any === '.' ? '.' : any;
  if (parts.length === 1) return `'^${piece(pattern, any)}$'`;
  const first = piece(parts[0] as string, any);
  const last = piece(parts[parts.length - 1] as string, any);
  const middle = parts
    .slice(1, -1)
    .filter((p) => p !== '')
    .map((p) => `(?>${run}*?${piece(p, any)})`);
  return `'^${first}${middle.join('')}${run}*${last}$'`;
}

/** One condition as HAProxy ACL criteria (all of them must hold). */
function conditionAcl(c: ElbCondition): string {
  const values = conditionValues(c);
  switch (c.Field) {
    case 'path-pattern':
      return `path -m reg ${values.map((v) => globRegex(v)).join(' ')}`;
    case 'host-header':
      return `req.hdr(host),field(1,:) -m reg -i ${values.map((v) => globRegex(v)).join(' ')}`;
    case 'http-header':
      return `req.hdr(${c.HttpHeaderConfig?.HttpHeaderName ?? ''}) -m reg -i ${values.map((v) => globRegex(v)).join(' ')}`;
    case 'http-request-method':
      return `method ${values.join(' ')}`;
    case 'source-ip':
      return `src ${values.join(' ')}`;
    case 'query-string': {
      const pairs = (c.QueryStringConfig?.Values ?? []).map((kv) => {
        const key = kv.Key === undefined ? '[^&=]*' : globRegex(kv.Key, '[^&=]').slice(2, -2);
        const value = globRegex(kv.Value ?? '*', '[^&]').slice(2, -2);
        return `'(?:^|&)${key}=${value}(?:&|$)'`;
      });
      return `query -m reg -i ${pairs.join(' ')}`;
    }
    default:
      return 'always_false';
  }
}

function redirectLocation(a: ElbAction, withQuery: boolean, scheme: string): string {
  const c = a.RedirectConfig;
  const v: Record<string, string> = {
    protocol: scheme,
    host: '%[req.hdr(host),field(1,:)]',
    port: '%[dst_port]',
    path: '%[path,regsub(^/,)]',
    query: '%[query]',
  };
  // The user's parts are text: `%` would start one of HAProxy's log-format expressions.
  const fill = (t: string | undefined, d: string) =>
    (t ?? d).replace(/%/g, '%%').replace(/#\{(protocol|host|port|path|query)\}/g, (_, k: string) => v[k] ?? '');
  const query = withQuery ? fill(c?.Query, '#{query}') : '';
  return `${fill(c?.Protocol, '#{protocol}').toLowerCase()}://${fill(c?.Host, '#{host}')}:${fill(c?.Port, '#{port}')}${fill(c?.Path, '/#{path}')}${query ? `?${query}` : ''}`;
}

/** A listener's action lines for rule number `n` (0: the default actions). */
function actionLines(a: ElbAction | undefined, n: number, scheme: string): string[] {
  const when = `{ var(txn.rule) -m int ${n} }`;
  if (!a) return [];
  if (a.Type === 'fixed-response') {
    const c = a.FixedResponseConfig;
    // HAProxy refuses an empty `string`: a response without a body is written without one.
    const body = c?.MessageBody
      ? ` content-type ${quoted(c.ContentType ?? 'text/plain; charset=utf-8')} string ${quoted(c.MessageBody)}`
      : '';
    return [`  http-request return status ${c?.StatusCode ?? '200'}${body} hdr server awselb/2.0 if ${when}`];
  }
  if (a.Type === 'redirect') {
    const code = a.RedirectConfig?.StatusCode === 'HTTP_301' ? 301 : 302;
    const line = (query: boolean, cond: string) =>
      `  http-request redirect location ${quoted(redirectLocation(a, query, scheme))} code ${code} if ${when}${cond}`;
    // ELB's default query (#{query}) adds `?…` only when the request has one.
    return a.RedirectConfig?.Query === undefined
      ? [line(true, ' { query -m found }'), line(false, '')]
      : [line(true, '')];
  }
  return []; // a forward: through the listener's forward map (forwardMap)
}

/** Buckets of a forward's random draw: more than the largest sum of weights (5 groups × 999). */
export const FORWARD_BUCKETS = 10000;

/**
 * An HTTP listener's forward map, read by HAProxy's `map_int`: for rule number n (0: the default
 * actions) whose action forwards, the keys n×FORWARD_BUCKETS up to the next n are split among its
 * target groups by weight, each range naming the group's backend. A request draws one of them.
 * Forwards live here rather than in the configuration so that a change of weights or of target
 * groups (a blue/green cut-over, a rollback) is one atomic runtime change with no reload: a reload
 * leaves the old worker answering its kept connections the old way for a while.
 */
export function forwardMap(l: ListenerPlan, backendOf: (arn: string) => string): string {
  const lines: string[] = [];
  const actions = [l.defaultActions, ...l.rules.map((r) => r.actions)];
  actions.forEach((list, n) => {
    const a = list[list.length - 1];
    if (a?.Type !== 'forward') return;
    const weighted = actionWeights(a);
    const total = weighted.reduce((s, w) => s + w.weight, 0);
    let sum = 0;
    for (const w of weighted) {
      const from = total ? Math.floor((sum * FORWARD_BUCKETS) / total) : 0;
      sum += w.weight;
      const to = total ? Math.floor((sum * FORWARD_BUCKETS) / total) : 0;
      if (to > from) lines.push(`${n * FORWARD_BUCKETS + from}:${n * FORWARD_BUCKETS + to - 1} ${backendOf(w.arn)}`);
    }
  });
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * The whole HAProxy configuration for a region's listeners: a frontend per listener, where the
 * first rule that matches (lowest priority first) is recorded in a variable and its action taken;
 * a backend per target group with its server slots (a slot is a target; maintenance when empty or
 * not to receive new requests). Health checks stay berth's: HAProxy only routes.
 */
export function renderHaproxy(
  listeners: readonly ListenerPlan[],
  backends: ReadonlyMap<string, BackendPlan>,
  runtimeSocket: string,
  /**
   * Where an HTTPS listener's certificate bundles are (named with a digest, so a new one
   * reloads): the default first, which HAProxy serves when no other's names match the SNI name.
   */
  certificateFiles: (l: ListenerPlan) => string[] = () => [],
  /** Where an HTTP listener's forward map is (an empty one where none is named). */
  forwardMapFile: (l: ListenerPlan) => string = () => '/dev/null',
): string {
  const backendOf = (arn: string) => backends.get(arn)?.name ?? 'none';
  const out = [
    'global',
    `  stats socket ${runtimeSocket} mode 600 level admin expose-fd listeners`,
    '  maxconn 4000',
    '',
    'defaults',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 60s',
    '',
    'backend none',
    '  mode http',
    '',
  ];
  for (const l of listeners) {
    const http = l.protocol !== 'TCP';
    const tls =
      l.protocol === 'HTTPS'
        ? ` ssl ${certificateFiles(l)
            .map((f) => `crt ${f}`)
            .join(' ')}`
        : '';
    out.push(`frontend l_${l.id}`, `  bind ${l.address}:${l.port}${tls}`, `  mode ${http ? 'http' : 'tcp'}`);
    if (!http) {
      const tg =
        l.defaultActions[0]?.TargetGroupArn ??
        l.defaultActions[0]?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn ??
        '';
      out.push(`  default_backend ${backendOf(tg)}`, '');
      continue;
    }
    out.push(
      '  option http-keep-alive',
      // On a reload the old worker keeps a client's idle keep-alive connection until its next
      // request (answered, then closed) instead of closing it at once, which raced a request sent on it.
      '  option idle-close-on-response',
      '  option forwardfor',
      `  http-request set-header X-Forwarded-Proto ${l.protocol.toLowerCase()}`,
      `  http-request set-header X-Forwarded-Port ${l.port}`,
    );
    l.rules.forEach((r, i) => {
      const acls = r.conditions.map((c, j) => {
        out.push(`  acl r${i + 1}c${j + 1} ${conditionAcl(c)}`);
        return `r${i + 1}c${j + 1}`;
      });
      out.push(`  http-request set-var(txn.rule) int(${i + 1}) if !{ var(txn.rule) -m found } ${acls.join(' ')}`);
    });
    out.push('  http-request set-var(txn.rule) int(0) if !{ var(txn.rule) -m found }');
    const scheme = l.protocol.toLowerCase();
    l.rules.forEach((r, i) => out.push(...actionLines(r.actions[r.actions.length - 1], i + 1, scheme)));
    out.push(
      ...actionLines(l.defaultActions[l.defaultActions.length - 1], 0, scheme),
      // The rule's number and a random draw make the key its forward map turns into a backend.
      `  http-request set-var(txn.draw) rand(${FORWARD_BUCKETS})`,
      `  http-request set-var(txn.fw) var(txn.rule),mul(${FORWARD_BUCKETS}),add(txn.draw)`,
      `  use_backend %[var(txn.fw),map_int(${forwardMapFile(l)})]`,
      '  default_backend none',
      '',
    );
  }
  for (const b of backends.values()) {
    out.push(
      `backend ${b.name}`,
      `  mode ${b.name.startsWith('h_') ? 'http' : 'tcp'}`,
      `  balance ${b.sticky?.type === 'source_ip' ? 'source' : b.leastOutstanding ? 'leastconn' : 'roundrobin'}`,
    );
    if (b.name.startsWith('h_')) out.push('  http-reuse safe', '  option http-keep-alive');
    // lb_cookie stickiness: ELB's AWSALB cookie, naming the server slot.
    const cookie = b.sticky?.type === 'lb_cookie';
    if (b.sticky?.type === 'lb_cookie')
      out.push(`  cookie AWSALB insert indirect nocache attr "Max-Age=${Math.trunc(b.sticky.durationSec)}"`);
    if (b.slowStartSec) out.push(`  default-server slowstart ${Math.trunc(b.slowStartSec)}s`);
    b.slots.forEach((s, i) =>
      out.push(
        `  server s${i + 1} ${s ? `${hostPort(s.address)}:${s.port}` : '127.0.0.1:1'}${s?.ready ? '' : ' disabled'}${cookie ? ` cookie s${i + 1}` : ''}`,
      ),
    );
    out.push('');
  }
  return out.join('\n');
}
