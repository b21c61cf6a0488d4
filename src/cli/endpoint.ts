import { fetchCause } from '../kernel/index.js';

/**
 * Where berth's own commands (`berth logs`, `berth usage`, `berth fargate`) find berth: `--endpoint`,
 * else the endpoint the AWS tools are given (`AWS_ENDPOINT_URL_ECS`, `AWS_ENDPOINT_URL`), else
 * berth's default port on this host.
 */
export function defaultEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return env['AWS_ENDPOINT_URL_ECS'] || env['AWS_ENDPOINT_URL'] || 'http://localhost:4566';
}

/** What a failed fetch means, in words: which berth could not be reached, why, and what to do. */
export function unreachable(url: string, e: unknown): string {
  const why = fetchCause(e);
  const origin = (() => {
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  })();
  return `cannot reach berth at ${origin}: ${why} (is it running? start it with: berth up; or point --endpoint or AWS_ENDPOINT_URL at it)`;
}

/** GET or POST a berth endpoint and decode its JSON, with errors that say what went wrong. */
export async function callBerth<T extends { error?: string; message?: string }>(
  url: string,
  init?: RequestInit,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new Error(unreachable(url, e), { cause: e });
  }
  let body: T;
  try {
    body = (await res.json()) as T;
  } catch {
    throw new Error(`${url} answered ${res.status} without JSON: is it berth?`);
  }
  if (!res.ok) throw new Error(`${body.error ?? res.status}: ${body.message ?? ''}`);
  return body;
}
