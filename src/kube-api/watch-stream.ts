import type { FastifyReply, FastifyRequest } from 'fastify';
import { watchObjects, type KubeDeps, type KubeObject, type Scope } from '../kube/index.js';
import { listQuery } from './handlers.js';
import { statusOf } from './status.js';
import { toTable, type IncludeObject } from './table.js';
import { queryFlag } from './query.js';

/** The longest a watch stays open when the client sets no timeoutSeconds (the API server: 30–60 min). */
const MAX_WATCH_S = 1800;

/**
 * A watch as a stream of JSON lines (`{"type":…,"object":…}`), each event's object a Table when
 * kubectl asks for one. It ends after timeoutSeconds, when the client goes, or with an ERROR event
 * (410 Expired for a revision too old). The socket's idle timeout is lifted: a quiet watch is not
 * a stalled upload.
 */
export async function streamWatch(
  deps: KubeDeps,
  scope: Scope,
  req: FastifyRequest,
  reply: FastifyReply,
  q: URLSearchParams,
  o: {
    table: boolean;
    include: IncludeObject;
    bookmarkMs?: number | undefined;
    /** The server's open streams: this one joins while it runs, so that the server can end it when it stops. */
    open?: Set<() => void>;
  },
): Promise<void> {
  const selectors = listQuery(q);
  const rv = q.get('resourceVersion');
  const timeout = Math.min(Number(q.get('timeoutSeconds') ?? MAX_WATCH_S) || MAX_WATCH_S, MAX_WATCH_S);
  const abort = new AbortController();
  const events = watchObjects(deps, scope, {
    ...(selectors.labelSelector ? { labelSelector: selectors.labelSelector } : {}),
    ...(selectors.fieldSelector ? { fieldSelector: selectors.fieldSelector } : {}),
    ...(rv !== null ? { resourceVersion: rv } : {}),
    ...(queryFlag(q, 'sendInitialEvents') ? { sendInitialEvents: true } : {}),
    allowWatchBookmarks: queryFlag(q, 'allowWatchBookmarks'),
    ...(o.bookmarkMs !== undefined ? { bookmarkMs: o.bookmarkMs } : {}),
    signal: abort.signal,
  });
  // watchObjects has checked the request (selectors, a revision too old): the answer is a stream.
  reply.hijack();
  const res = reply.raw;
  req.raw.socket.setTimeout(0);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
  const timer = setTimeout(() => abort.abort(), timeout * 1000);
  const stop = () => abort.abort();
  o.open?.add(stop);
  res.once('close', () => abort.abort());
  const now = () => deps.clock.now().getTime();
  const write = (type: string, object: unknown) => {
    const obj =
      o.table && type !== 'BOOKMARK' && type !== 'ERROR'
        ? toTable(scope.kind, [object as KubeObject], { includeObject: o.include, now: now() })
        : object;
    res.write(`${JSON.stringify({ type, object: obj })}\n`);
  };
  try {
    for (let ev = await events.next(); !ev.done; ev = await events.next()) write(ev.value.type, ev.value.object);
  } catch (e) {
    if (!abort.signal.aborted) write('ERROR', statusOf(e));
  } finally {
    o.open?.delete(stop);
    clearTimeout(timer);
    abort.abort();
    await events.return(undefined);
    res.end();
  }
}
