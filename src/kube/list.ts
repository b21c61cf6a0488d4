import { invalidParameter } from '../kernel/index.js';
import type { KubeDeps } from './deps.js';
import { kubeObjects, metaOf, resourcePrefix, served, type KubeObject, type Scope } from './object.js';
import { fieldSelector, labelSelector } from './selectors.js';

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  /** The store's revision the list was read at. */
  resourceVersion: string;
  continue?: string;
  /** How many more objects there are, when no selector makes that unknowable. */
  remainingItemCount?: number;
}

/** A continue token: the list's revision and the last key it gave (the API server's `{rv, start}`). */
function readContinue(token: string): string {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; after?: unknown };
    if (t.v === 'berth/1' && typeof t.after === 'string') return t.after;
  } catch {
    // falls through to the error
  }
  throw invalidParameter('continue key is not valid: the token was not issued by this server', { reason: 'malformed' });
}

const makeContinue = (rv: number, after: string) =>
  Buffer.from(JSON.stringify({ v: 'berth/1', rv, after }), 'utf8').toString('base64url');

/** Whether an object is in a selection (label and field selectors). */
export function selection(scope: Scope, q: Pick<ListQuery, 'labelSelector' | 'fieldSelector'>) {
  const labels = labelSelector(q.labelSelector);
  const fields = fieldSelector(scope.kind, q.fieldSelector);
  return (o: KubeObject) => labels(metaOf(o).labels ?? {}) && fields(o);
}

/**
 * Lists a resource in key order (namespace, then name), filtered by selectors, a page at a time.
 * A continued list reads on from the key it stopped at, at the store's current revision.
 */
export function listObjects(deps: KubeDeps, scope: Scope, q: ListQuery = {}): ListResult {
  const matches = selection(scope, q);
  const after = q.continue ? readContinue(q.continue) : undefined;
  const limit = q.limit && q.limit > 0 ? q.limit : undefined;
  return deps.store.read((tx) => {
    const rv = deps.store.revision();
    const entries = tx.list(kubeObjects, { prefix: resourcePrefix(scope), ...(after !== undefined ? { after } : {}) });
    const items: KubeObject[] = [];
    let i = 0;
    for (; i < entries.length; i++) {
      const e = entries[i];
      if (!e || !matches(e.value.object)) continue;
      if (limit !== undefined && items.length === limit) break;
      items.push(served(scope.kind, e.value.object, e.modRevision));
    }
    const more = i < entries.length;
    const last = entries[i - 1];
    const filtered = Boolean(q.labelSelector || q.fieldSelector);
    return {
      items,
      resourceVersion: String(rv),
      ...(more && last ? { continue: makeContinue(rv, last.key) } : {}),
      ...(more && !filtered ? { remainingItemCount: entries.length - i } : {}),
    };
  });
}
