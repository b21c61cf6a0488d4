/** A request as the protocol layer sees it, independent of the HTTP server in front of it. */
export interface RawRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded), without the query string. */
  path: string;
  /** The query string exactly as sent, without the leading '?'. */
  rawQuery: string;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The peer's address, as policies see it in `aws:SourceIp`. */
  remoteAddress?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export function header(req: RawRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Query-string pairs decoded the way AWS does (no '+' to space conversion). */
export function queryPairs(raw: string): [string, string][] {
  if (raw === '') return [];
  return raw.split('&').map((part) => {
    const i = part.indexOf('=');
    const k = i < 0 ? part : part.slice(0, i);
    const v = i < 0 ? '' : part.slice(i + 1);
    return [safeDecode(k), safeDecode(v)];
  });
}

/** Form bodies do turn '+' into a space. */
export function formPairs(raw: string): [string, string][] {
  return queryPairs(raw.replace(/\+/g, '%20'));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A request as the protocol layer sees it, from what the HTTP server has: the URL split at '?'. */
export function rawRequest(
  method: string,
  url: string,
  headers: RawRequest['headers'],
  body: Buffer = Buffer.alloc(0),
  remoteAddress?: string,
): RawRequest {
  const q = url.indexOf('?');
  return {
    method,
    path: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers,
    body,
    ...(remoteAddress !== undefined ? { remoteAddress } : {}),
  };
}
