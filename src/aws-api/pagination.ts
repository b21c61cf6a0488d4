import { invalidParameter } from '../kernel/index.js';

/**
 * nextToken pagination over a list sorted by `key`: the token is the last key returned, opaque to
 * clients. A token that does not decode is refused, as AWS refuses one it did not issue.
 */
export function paginate<T>(
  items: readonly T[],
  key: (t: T) => string,
  maxResults: number | undefined,
  nextToken: string | undefined,
  defaultMax = 100,
): { page: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    let after: string;
    try {
      after = JSON.parse(Buffer.from(nextToken, 'base64url').toString()) as string;
      if (typeof after !== 'string') throw new Error('bad token');
    } catch {
      throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'", {
        field: 'nextToken',
      });
    }
    start = items.findIndex((i) => key(i) > after);
    if (start < 0) start = items.length;
  }
  const max = maxResults ?? defaultMax;
  const page = items.slice(start, start + max);
  const more = start + max < items.length && page.length > 0;
  return more
    ? { page, nextToken: Buffer.from(JSON.stringify(key(page[page.length - 1] as T))).toString('base64url') }
    : { page };
}
