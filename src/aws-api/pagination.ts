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

/**
 * nextToken pagination over a list in an order of its own (newest first, a chosen sort): the
 * token carries the position of the last item returned, zero-padded so that positions compare
 * as `paginate` compares keys.
 */
export function paginateInOrder<T>(
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  defaultMax = 100,
): { page: T[]; nextToken?: string } {
  const { page, nextToken: next } = paginate(
    items.map((item, i) => ({ item, at: String(i).padStart(9, '0') })),
    (x) => x.at,
    maxResults,
    nextToken,
    defaultMax,
  );
  return { page: page.map((x) => x.item), ...(next ? { nextToken: next } : {}) };
}
