import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { parseDocument } from 'yaml';
import { BerthError, invalidParameter, JsonDepthError, parseJson } from '../kernel/index.js';

/** The API server's limit on a request body (3 MiB), and how long one may take to arrive. */
export const BODY_LIMIT = 3 * 1024 * 1024;
export const BODY_TIMEOUT_MS = 30_000;

const tooLarge = () =>
  new BerthError('InvalidParameter', `the request body is larger than ${BODY_LIMIT} bytes`, { reason: 'too-large' });

/** Reads a body up to the limit and the timeout; nothing beyond the limit is buffered. */
export function readBody(headers: IncomingHttpHeaders, payload: Readable): Promise<Buffer> {
  const declared = Number(headers['content-length'] ?? NaN);
  if (declared > BODY_LIMIT) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      payload.destroy();
      reject(invalidParameter('the request body did not arrive in time', { reason: 'malformed' }));
    }, BODY_TIMEOUT_MS);
    payload.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        clearTimeout(timer);
        payload.destroy();
        reject(tooLarge());
      } else chunks.push(c);
    });
    payload.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    payload.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The body as JSON: a clear 400 for anything else (the depth bounded before parsing). */
export function decodeJson(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) throw invalidParameter('the request needs a body', { reason: 'malformed' });
  try {
    return parseJson(body.toString('utf8'));
  } catch (e) {
    const why = e instanceof JsonDepthError ? e.message : (e as Error).message;
    throw invalidParameter(`the request body is not valid JSON: ${why}`, { reason: 'malformed' });
  }
}

/** The media type of a Content-Type header, without its parameters. */
export function mediaType(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * An apply's body (`application/apply-patch+yaml`): JSON as kubectl sends it, else YAML as other
 * clients may, read with aliases bounded (no expansion bombs) and keys unique.
 */
export function decodeYamlOrJson(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) throw invalidParameter('the request needs a body', { reason: 'malformed' });
  const text = body.toString('utf8');
  if (/^\s*[{[]/.test(text)) return decodeJson(body);
  try {
    const doc = parseDocument(text, { uniqueKeys: true, merge: false, version: '1.2', schema: 'core' });
    if (doc.errors.length) throw doc.errors[0] as Error;
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw invalidParameter(`error decoding YAML: ${(e as Error).message.split('\n')[0] ?? ''}`, {
      reason: 'malformed',
    });
  }
}
