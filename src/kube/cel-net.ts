import { isIPv4, isIPv6 } from 'node:net';
import { celFunc, celMethod, CelScalar, mapType, type CelFunc, type CelMap } from '@bufbuild/cel';

/**
 * Kubernetes' CEL IP, CIDR and URL libraries, as CRD rules use them (`isIP(self)`,
 * `cidr('10.0.0.0/8').containsIP(self)`, `url(self).getScheme() == 'https'`). An IP, CIDR or URL
 * value is a map holding its text under a key of its own (CEL here has no opaque types); its
 * methods refuse any other map.
 */

export const TAGGED = mapType(CelScalar.STRING, CelScalar.DYN);
const tag = (key: string, text: string) => new Map([[key, text]]) as unknown as CelMap;

/** The text a tagged value holds, or an error as CEL's for a method called on the wrong type. */
export function untag(v: unknown, key: string, method: string): string {
  const t = v instanceof Map || (v && typeof (v as CelMap).get === 'function') ? (v as CelMap).get(key) : undefined;
  if (typeof t !== 'string') throw new Error(`no such overload: ${method}`);
  return t;
}

/** An address's 4 or 16 bytes, or undefined when it is not one the library takes (zones, IPv4-mapped IPv6). */
function bytesOf(s: string): number[] | undefined {
  if (isIPv4(s)) {
    const parts = s.split('.');
    // Leading zeros are refused, as Go's parser refuses them.
    if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
    return parts.map(Number);
  }
  if (!isIPv6(s) || s.includes('%') || s.includes('.')) return undefined;
  const [head, tail] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const groups = (x: string) => (x ? x.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = all.flatMap((g) => [g >> 8, g & 255]);
  // An IPv4-mapped IPv6 address is refused, as the library refuses it.
  if (out.slice(0, 10).every((b) => b === 0) && out[10] === 255 && out[11] === 255) return undefined;
  return out;
}

function canonical(s: string): string {
  const b = bytesOf(s) as number[];
  if (b.length === 4) return b.join('.');
  return new URL(`http://[${s}]`).hostname.slice(1, -1);
}

function parseIp(s: string): number[] {
  const b = bytesOf(s);
  if (!b) throw new Error(`IP Address "${s}" parse error during conversion from string`);
  return b;
}

function parseCidr(s: string): { bytes: number[]; prefix: number } {
  const slash = s.indexOf('/');
  const b = slash > 0 ? bytesOf(s.slice(0, slash)) : undefined;
  const p = s.slice(slash + 1);
  const prefix = /^(0|[1-9]\d{0,2})$/.test(p) ? Number(p) : NaN;
  if (!b || !(prefix <= b.length * 8))
    throw new Error(`network address "${s}" parse error during conversion from string`);
  return { bytes: b, prefix };
}

const masked = (b: number[], prefix: number) =>
  b.map((x, i) => (i * 8 >= prefix ? 0 : i * 8 + 8 <= prefix ? x : x & (0xff << (8 - (prefix - i * 8))) & 0xff));
const text = (b: number[]) =>
  b.length === 4
    ? b.join('.')
    : canonical(
        Array.from({ length: 8 }, (_, i) => (((b[2 * i] as number) << 8) | (b[2 * i + 1] as number)).toString(16)).join(
          ':',
        ),
      );
const contains = (net: { bytes: number[]; prefix: number }, b: number[]) =>
  b.length === net.bytes.length && masked(b, net.prefix).every((x, i) => x === masked(net.bytes, net.prefix)[i]);

const ipOf = (v: unknown, m: string) => parseIp(typeof v === 'string' ? v : untag(v, '@ip', m));
const cidrOf = (v: unknown, m: string) => parseCidr(typeof v === 'string' ? v : untag(v, '@cidr', m));
const S = CelScalar.STRING;
const B = CelScalar.BOOL;

const IP_FUNCS: CelFunc[] = [
  celFunc('isIP', [S], B, (s: string) => bytesOf(s) !== undefined),
  celFunc('ip', [S], TAGGED, (s: string) => {
    parseIp(s);
    return tag('@ip', s);
  }),
  celFunc('ip.isCanonical', [S], B, (s: string) => {
    parseIp(s);
    return canonical(s) === s;
  }),
  celMethod('family', TAGGED, [], CelScalar.INT, function (this: CelMap) {
    return ipOf(this, 'family').length === 4 ? 4n : 6n;
  }),
  celMethod('isUnspecified', TAGGED, [], B, function (this: CelMap) {
    return ipOf(this, 'isUnspecified').every((x) => x === 0);
  }),
  celMethod('isLoopback', TAGGED, [], B, function (this: CelMap) {
    const b = ipOf(this, 'isLoopback');
    return b.length === 4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
  }),
  celMethod('isLinkLocalMulticast', TAGGED, [], B, function (this: CelMap) {
    const b = ipOf(this, 'isLinkLocalMulticast');
    return b.length === 4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && ((b[1] as number) & 0x0f) === 2;
  }),
  celMethod('isLinkLocalUnicast', TAGGED, [], B, function (this: CelMap) {
    const b = ipOf(this, 'isLinkLocalUnicast');
    return b.length === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0x80;
  }),
  celMethod('isGlobalUnicast', TAGGED, [], B, function (this: CelMap) {
    const b = ipOf(this, 'isGlobalUnicast');
    if (b.length === 4)
      return !(b[0] === 0 || b[0] === 127 || (b[0] as number) >= 224 || (b[0] === 169 && b[1] === 254));
    return !(
      b.every((x) => x === 0) ||
      b[0] === 0xff ||
      (b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0x80) ||
      (b.slice(0, 15).every((x) => x === 0) && b[15] === 1)
    );
  }),
];

const CIDR_FUNCS: CelFunc[] = [
  celFunc('isCIDR', [S], B, (s: string) => {
    try {
      parseCidr(s);
      return true;
    } catch {
      return false;
    }
  }),
  celFunc('cidr', [S], TAGGED, (s: string) => {
    parseCidr(s);
    return tag('@cidr', s);
  }),
  celMethod('containsIP', TAGGED, [CelScalar.DYN], B, function (this: CelMap, x: unknown) {
    return contains(cidrOf(this, 'containsIP'), ipOf(x, 'containsIP'));
  }),
  celMethod('containsCIDR', TAGGED, [CelScalar.DYN], B, function (this: CelMap, x: unknown) {
    const outer = cidrOf(this, 'containsCIDR');
    const inner = cidrOf(x, 'containsCIDR');
    return inner.prefix >= outer.prefix && contains(outer, inner.bytes);
  }),
  celMethod('prefixLength', TAGGED, [], CelScalar.INT, function (this: CelMap) {
    return BigInt(cidrOf(this, 'prefixLength').prefix);
  }),
  celMethod('masked', TAGGED, [], TAGGED, function (this: CelMap) {
    const c = cidrOf(this, 'masked');
    return tag('@cidr', `${text(masked(c.bytes, c.prefix))}/${c.prefix}`);
  }),
];

const urlOf = (v: unknown, m: string) => new URL(untag(v, '@url', m));
/** What the library takes as a URL: absolute (a scheme), or a path from the root. */
function parseUrl(s: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && URL.canParse(s)) return s;
  if (s.startsWith('/') && URL.canParse(s, 'http://x')) return `relative://x${s}`;
  throw new Error(`URL "${s}" parse error during conversion from string`);
}

const URL_FUNCS: CelFunc[] = [
  celFunc('isURL', [S], B, (s: string) => {
    try {
      parseUrl(s);
      return true;
    } catch {
      return false;
    }
  }),
  celFunc('url', [S], TAGGED, (s: string) => tag('@url', parseUrl(s))),
  celMethod('getScheme', TAGGED, [], S, function (this: CelMap) {
    const u = urlOf(this, 'getScheme');
    return u.protocol === 'relative:' ? '' : u.protocol.slice(0, -1);
  }),
  celMethod('getHost', TAGGED, [], S, function (this: CelMap) {
    const u = urlOf(this, 'getHost');
    return u.protocol === 'relative:' ? '' : u.host;
  }),
  celMethod('getHostname', TAGGED, [], S, function (this: CelMap) {
    const u = urlOf(this, 'getHostname');
    return u.protocol === 'relative:' ? '' : u.hostname.replace(/^\[(.*)\]$/, '$1');
  }),
  celMethod('getPort', TAGGED, [], S, function (this: CelMap) {
    return urlOf(this, 'getPort').port;
  }),
  celMethod('getEscapedPath', TAGGED, [], S, function (this: CelMap) {
    return urlOf(this, 'getEscapedPath').pathname;
  }),
  celMethod('getQuery', TAGGED, [], mapType(S, CelScalar.DYN), function (this: CelMap) {
    const q = new Map<string, string[]>();
    for (const [k, v] of urlOf(this, 'getQuery').searchParams) q.set(k, [...(q.get(k) ?? []), v]);
    return q as unknown as CelMap;
  }),
];

export const K8S_NET: CelFunc[] = [...IP_FUNCS, ...CIDR_FUNCS, ...URL_FUNCS];
