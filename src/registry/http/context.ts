import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RegistryDeps } from '../deps.js';
import { ociErrorBody, toOciError } from './oci-errors.js';

/** What every /v2 handler receives: the request, the reply, the path captures, the query. */
export interface RouteContext {
  deps: RegistryDeps;
  req: FastifyRequest;
  reply: FastifyReply;
  params: string[];
  query: URLSearchParams;
}

export type RouteHandler = (ctx: RouteContext) => Promise<unknown>;

export const API_VERSION_HEADER = { 'docker-distribution-api-version': 'registry/2.0' };

export function sendOciError(reply: FastifyReply, e: unknown): FastifyReply {
  const err = toOciError(e);
  return reply
    .code(err.status)
    .headers({ ...API_VERSION_HEADER, 'content-type': 'application/json' })
    .send(ociErrorBody(err));
}

/** `Range` as upload responses state it: the inclusive span received so far. */
export const uploadRange = (size: number) => `0-${Math.max(0, size - 1)}`;

export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The request body as a byte stream, never buffered whole. */
export const body = (req: FastifyRequest): AsyncIterable<Uint8Array> => req.raw;

export async function readLimited(req: FastifyRequest, limit: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req.raw as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) return undefined;
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** `Link: <…?n=&last=>; rel="next"` when a listing has more. */
export function nextLink(path: string, n: number | undefined, last: string | undefined): Record<string, string> {
  if (last === undefined) return {};
  const q = new URLSearchParams({ ...(n !== undefined ? { n: String(n) } : {}), last });
  return { link: `<${path}?${q.toString()}>; rel="next"` };
}

export function pageSize(query: URLSearchParams): number | undefined {
  const n = query.get('n');
  if (n === null) return undefined;
  const v = Number(n);
  return Number.isInteger(v) && v >= 0 ? Math.min(v, 10_000) : undefined;
}
