import * as crypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { header, queryPairs, type RawRequest } from '../raw.js';
import { keyedMac } from './keyed-mac.js';
import type { SigV4Claims } from './parse.js';

// Node's one-shot hash (20.12 and later) spares a Hash object per digest; SigV4 takes two per request.
const oneShot = (crypto as { hash?: (alg: string, data: string | Buffer, enc: 'hex') => string }).hash;
const sha256 = oneShot
  ? (data: string | Buffer) => oneShot('sha256', data, 'hex')
  : (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 requires (encodeURIComponent leaves !'()* alone). */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(path: string): string {
  // The JSON and query services post to '/': nothing to normalise or encode.
  if (path === '/') return path;
  // Every service but S3 signs the normalised path with each segment encoded once more.
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const joined = `/${out.map(uriEscape).join('/')}`;
  return path.endsWith('/') && joined !== '/' ? `${joined}/` : joined;
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  return queryPairs(rawQuery)
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEscape(k), uriEscape(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** A header value as SigV4 signs it: trimmed, runs of whitespace made one space (rare: checked first). */
function canonicalHeaderValue(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.map(oneHeaderValue).join(',') : oneHeaderValue(v ?? '');
}

function oneHeaderValue(x: string): string {
  const t = x.trim();
  return t.includes('  ') || t.includes('\t') || t.includes('\n') || t.includes('\r') ? t.replace(/\s+/g, ' ') : t;
}

/**
 * The payload hash to sign: the body's own, as every service but S3 signs it, presigned URLs
 * included (the SDKs hash the body of a presigned call too). A request may opt out with
 * `x-amz-content-sha256: UNSIGNED-PAYLOAD` only where that header is itself signed; unsigned,
 * it is anybody's to add.
 */
function payloadHash(req: RawRequest, claims: SigV4Claims): string {
  const declared = header(req, 'x-amz-content-sha256');
  const signed = claims.signedHeaders.includes('x-amz-content-sha256');
  if (signed && (declared === 'UNSIGNED-PAYLOAD' || declared?.startsWith('STREAMING-'))) return declared;
  return bodyHash(req);
}

// A body is hashed once per request, though both the declared-hash check and the signature read it.
const bodyHashes = new WeakMap<Buffer, string>();
function bodyHash(req: RawRequest): string {
  let h = bodyHashes.get(req.body);
  if (h === undefined) bodyHashes.set(req.body, (h = sha256(req.body)));
  return h;
}

export function canonicalRequest(req: RawRequest, claims: SigV4Claims): string {
  let headers = '';
  for (const h of claims.signedHeaders) headers += `${h}:${canonicalHeaderValue(req.headers[h])}\n`;
  return `${req.method}\n${canonicalPath(req.path)}\n${canonicalQuery(req.rawQuery)}\n${headers}\n${claims.signedHeaders.join(';')}\n${payloadHash(req, claims)}`;
}

// The signing key depends only on the secret and the credential scope (a day, a region, a
// service): SigV4 clients derive it once a day, and so does berth. Bounded. (The secrets are in
// this process's memory anyway, as every verifier's are.)
const signingKeys = new Map<string, (stringToSign: string) => Buffer>();
function signer(secret: string, claims: SigV4Claims): (stringToSign: string) => Buffer {
  const id = `${claims.date}/${claims.region}/${claims.service}/${secret}`;
  let sign = signingKeys.get(id);
  if (!sign) {
    let key = hmac(`AWS4${secret}`, claims.date);
    key = hmac(key, claims.region);
    key = hmac(key, claims.service);
    key = hmac(key, 'aws4_request');
    if (signingKeys.size > 10_000) signingKeys.clear();
    signingKeys.set(id, (sign = keyedMac(key)));
  }
  return sign;
}

export function signature(req: RawRequest, claims: SigV4Claims, secretAccessKey: string): string {
  return signatureBytes(req, claims, secretAccessKey).toString('hex');
}

function signatureBytes(req: RawRequest, claims: SigV4Claims, secretAccessKey: string): Buffer {
  const scope = `${claims.date}/${claims.region}/${claims.service}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${claims.amzDate}\n${scope}\n${sha256(canonicalRequest(req, claims))}`;
  return signer(secretAccessKey, claims)(toSign);
}

export type VerifyOutcome =
  { ok: true } | { ok: false; reason: 'signature' | 'expired' | 'unsigned-host'; message: string };

const SKEW_MS = 15 * 60 * 1000;

/**
 * Whether a signature is in force now: its scope's date is the day it was signed, and it was
 * signed within 15 minutes of now (a header signature) or its presigned lifetime has not run out.
 */
export function checkSigningTime(claims: SigV4Claims, now: Date): { ok: true } | { ok: false; message: string } {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(claims.amzDate);
  const signedAt = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
  if (Number.isNaN(signedAt)) return { ok: false, message: `X-Amz-Date '${claims.amzDate}' is not a valid date.` };
  if (claims.amzDate.slice(0, 8) !== claims.date) {
    return {
      ok: false,
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claims.date}' != '${claims.amzDate.slice(0, 8)}', from '${claims.amzDate}'.`,
    };
  }
  const t = now.getTime();
  if (claims.presigned && claims.expires !== undefined) {
    if (t < signedAt - SKEW_MS) return { ok: false, message: 'Request is not yet valid.' };
    if (t > signedAt + claims.expires * 1000) {
      return { ok: false, message: `Request has expired: signed at ${claims.amzDate} for ${claims.expires} seconds.` };
    }
    return { ok: true };
  }
  if (Math.abs(t - signedAt) > SKEW_MS) {
    return {
      ok: false,
      message: `Signature expired: ${claims.amzDate} is now earlier or later than 15 minutes from ${now.toISOString()}.`,
    };
  }
  return { ok: true };
}

/** Checks a request's signature with the caller's secret, and its date against the clock (±15 min). */
export function verifySignature(
  req: RawRequest,
  claims: SigV4Claims,
  secretAccessKey: string,
  now: Date,
  /** The signing time was checked already (before the body was read). */
  timeChecked = false,
): VerifyOutcome {
  if (!claims.signedHeaders.includes('host')) {
    return {
      ok: false,
      reason: 'unsigned-host',
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    };
  }
  if (!timeChecked) {
    const time = checkSigningTime(claims, now);
    if (!time.ok) return { ok: false, reason: 'expired', message: time.message };
  }
  const declared = header(req, 'x-amz-content-sha256');
  if (declared && /^[0-9a-f]{64}$/.test(declared) && declared !== bodyHash(req)) {
    return {
      ok: false,
      reason: 'signature',
      message: 'The provided x-amz-content-sha256 header does not match what was computed.',
    };
  }
  const expected = signatureBytes(req, claims, secretAccessKey);
  // A signature is 64 lower-case hex digits; anything else cannot match.
  const given = /^[0-9a-f]{64}$/.test(claims.signature) ? Buffer.from(claims.signature, 'hex') : undefined;
  if (!given || !timingSafeEqual(expected, given)) {
    return {
      ok: false,
      reason: 'signature',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return { ok: true };
}
