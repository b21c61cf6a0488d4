import { header, queryPairs, type RawRequest } from '../raw.js';

/** What a SigV4-signed request says about itself, from its Authorization header or presigned query. */
export interface SigV4Claims {
  accessKeyId: string;
  date: string; // yyyymmdd from the credential scope
  region: string;
  service: string;
  amzDate: string; // yyyymmddThhmmssZ
  signedHeaders: string[];
  signature: string;
  presigned: boolean;
  /** A presigned URL's lifetime in seconds (X-Amz-Expires). */
  expires?: number;
}

export type ParsedAuth =
  { kind: 'none' } | { kind: 'malformed'; message: string } | { kind: 'sigv4'; claims: SigV4Claims };

const ALGORITHM = 'AWS4-HMAC-SHA256';

function parseCredential(cred: string): Pick<SigV4Claims, 'accessKeyId' | 'date' | 'region' | 'service'> | string {
  const parts = cred.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    return `Credential should be scoped to a valid region, not '${parts[2] ?? ''}'. Credential should be scoped correctly with 'aws4_request'.`;
  }
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region || !service) {
    return `Credential should be scoped to a valid region and service: '${cred}'`;
  }
  return { accessKeyId, date, region, service };
}

export function parseAuth(req: RawRequest): ParsedAuth {
  const auth = header(req, 'authorization');
  if (auth !== undefined) return parseHeader(req, auth);
  const q = new Map(queryPairs(req.rawQuery));
  if (q.has('X-Amz-Algorithm') || q.has('X-Amz-Credential') || q.has('X-Amz-Signature')) return parsePresigned(q);
  return { kind: 'none' };
}

function parseHeader(req: RawRequest, auth: string): ParsedAuth {
  const space = auth.indexOf(' ');
  const algorithm = space < 0 ? auth : auth.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return {
      kind: 'malformed',
      message: `Authorization header requires '${ALGORITHM}' as its algorithm; found '${algorithm}'.`,
    };
  }
  // `Credential=…, SignedHeaders=…, Signature=…`: every request carries one, so it is read
  // with indexOf and slice rather than split and trim into a Map.
  const fields = new Map<string, string>();
  let at = space + 1;
  while (at < auth.length) {
    let end = auth.indexOf(',', at);
    if (end < 0) end = auth.length;
    const eq = auth.indexOf('=', at);
    if (eq > at && eq < end) fields.set(auth.slice(at, eq).trim(), auth.slice(eq + 1, end).trim());
    at = end + 1;
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((f) => !fields.get(f));
  const amzDate = header(req, 'x-amz-date') ?? '';
  if (missing.length > 0 || !amzDate) {
    const m = [...missing.map((f) => `Authorization header requires '${f}' parameter.`)];
    if (!amzDate) m.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    return { kind: 'malformed', message: `${m.join(' ')} Authorization=${auth.split(',')[0] ?? ''}` };
  }
  const cred = parseCredential(fields.get('Credential') as string);
  if (typeof cred === 'string') return { kind: 'malformed', message: cred };
  // Spelled out: a spread followed by more properties takes V8's slow path (~1 µs a property),
  // and every signed request passes here.
  return {
    kind: 'sigv4',
    claims: {
      accessKeyId: cred.accessKeyId,
      date: cred.date,
      region: cred.region,
      service: cred.service,
      amzDate,
      signedHeaders: (fields.get('SignedHeaders') as string).split(';'),
      signature: fields.get('Signature') as string,
      presigned: false,
    },
  };
}

function parsePresigned(q: Map<string, string>): ParsedAuth {
  const missing = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Date',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
  ].filter((k) => !q.get(k));
  if (missing.length > 0) return { kind: 'malformed', message: `Presigned request is missing ${missing.join(', ')}.` };
  if (q.get('X-Amz-Algorithm') !== ALGORITHM)
    return { kind: 'malformed', message: `X-Amz-Algorithm must be '${ALGORITHM}'.` };
  const cred = parseCredential(q.get('X-Amz-Credential') as string);
  if (typeof cred === 'string') return { kind: 'malformed', message: cred };
  const expiresText = q.get('X-Amz-Expires');
  const expires = expiresText === undefined ? undefined : Number(expiresText);
  if (expires !== undefined && !(/^\d{1,6}$/.test(expiresText as string) && expires >= 1 && expires <= 604800)) {
    return {
      kind: 'malformed',
      message: `X-Amz-Expires must be a number of seconds from 1 to 604800 (7 days), not '${expiresText}'.`,
    };
  }
  return {
    kind: 'sigv4',
    claims: {
      ...cred,
      amzDate: q.get('X-Amz-Date') as string,
      signedHeaders: (q.get('X-Amz-SignedHeaders') as string).split(';'),
      signature: q.get('X-Amz-Signature') as string,
      presigned: true,
      ...(expires !== undefined ? { expires } : {}),
    },
  };
}
