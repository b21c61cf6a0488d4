import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { preAuthenticate, type AuthConfig } from './auth.js';
import { AwsError } from './errors.js';
import { rawRequest } from './raw.js';
import { resolveService } from './dispatch.js';
import type { AwsService } from './service.js';

/**
 * Each service's largest request body. AWS documents them per call: a PutLogEvents batch is at
 * most 1 MiB of messages, a task definition 64 KiB, an ECR layer part 20 MiB (base64 in JSON).
 * The limits leave room for the JSON around the data and refuse anything far beyond.
 */
const LIMITS: Readonly<Record<string, number>> = {
  logs: 2 * 1024 * 1024,
  ecs: 1024 * 1024,
  ecr: 30 * 1024 * 1024,
  sts: 256 * 1024,
};
const DEFAULT_LIMIT = 1024 * 1024;
/** The time a request body may take to arrive, start to end. */
export const BODY_TIMEOUT_MS = 30_000;

export function bodyLimitFor(service: AwsService | undefined): number {
  return (service && Object.hasOwn(LIMITS, service.id) ? LIMITS[service.id] : undefined) ?? DEFAULT_LIMIT;
}

export const tooLarge = (limit: number) =>
  new AwsError('RequestEntityTooLargeException', `Request body is larger than ${limit} bytes`, 413);

export interface BodyOptions {
  services: readonly AwsService[];
  auth: AuthConfig;
  now: () => Date;
  /** How long the body may take to arrive; BODY_TIMEOUT_MS unless a test says otherwise. */
  timeoutMs?: number;
}

/**
 * Reads an AWS call's body, after what can be checked without it: the declared length against
 * the service's limit, and (strict mode) the signature's key and date. The read stops at the
 * limit or the timeout; nothing beyond the limit is buffered.
 */
export function readBody(
  headers: IncomingHttpHeaders,
  url: string,
  payload: Readable,
  o: BodyOptions,
): Promise<Buffer> {
  const head = rawRequest('POST', url, headers);
  const service = resolveService(head, o.services);
  const limit = bodyLimitFor(service);
  const declared = Number(headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  const isQuery = service?.model.metadata.protocol === 'query';
  try {
    if (o.auth.mode === 'strict') preAuthenticate(head, o.auth, isQuery, o.now());
  } catch (e) {
    return Promise.reject(e as Error);
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: Error) => {
      clearTimeout(timer);
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
      if (err) {
        payload.resume(); // drop the rest; the error answer closes the connection
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) return finish(tooLarge(limit));
      chunks.push(c);
    };
    const onEnd = () => finish();
    const onError = (e: Error) => finish(e);
    const timeoutMs = o.timeoutMs ?? BODY_TIMEOUT_MS;
    const late = () =>
      new AwsError('RequestTimeout', `The request body did not arrive within ${timeoutMs / 1000} s`, 408);
    const timer = setTimeout(() => finish(late()), timeoutMs);
    payload.on('data', onData);
    payload.once('end', onEnd);
    payload.once('error', onError);
  });
}
