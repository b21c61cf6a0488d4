import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BerthError } from '../kernel/index.js';
import {
  DEPLOYMENT,
  evictPod,
  getObject,
  listObjects,
  POD,
  REPLICA_SET,
  REPLICATION_CONTROLLER,
  STATEFUL_SET,
  PodUsage,
  metricsRead,
  SELF_SUBJECT_REVIEW,
  SELF_SUBJECT_ACCESS_REVIEW,
  SUBJECT_ACCESS_REVIEW,
  SELF_SUBJECT_RULES_REVIEW,
  LOCAL_SUBJECT_ACCESS_REVIEW,
  SERVICE_ACCOUNT,
  authorize,
  checkEscalation,
  TOKEN_REVIEW,
  type UserInfo,
  issuerDiscovery,
  type KubeDeps,
  type KubeObject,
  type PodHosts,
  type PodLogSource,
  type Scope,
  kindFor,
  kindsOf,
} from '../kube/index.js';
import { podLog } from './pod-logs.js';
import {
  ANONYMOUS,
  callerOf,
  impersonation,
  review,
  tokenRequest,
  unauthorized,
  type AwsIdentitySource,
} from './authentication.js';
import { accessReview, attributesOf, forbiddenStatus, rulesReview } from './authorization.js';
import { scaleVerb } from './scale.js';
import { mediaType, readBody } from './body.js';
import {
  aggregatedDiscovery,
  AGGREGATED,
  apiGroupList,
  apiResourceList,
  apiVersions,
  versionInfo,
  wantsAggregated,
} from './discovery.js';
import {
  createIn,
  deleteCollection,
  itemVerb,
  jsonBody,
  listOf,
  listQuery,
  type KubeAnswer,
  type KubeRequest,
  statusVerb,
} from './handlers.js';
import { openapiDocument, openapiRoot, openapiV2 } from './openapi.js';
import { resolvePath } from './paths.js';
import { failure, noClusterStatus, notFoundStatus, statusOf, type Status } from './status.js';
import { toTable, wantsTable, type IncludeObject } from './table.js';
import { streamWatch } from './watch-stream.js';
import { queryFlag } from './query.js';

export interface KubeApiOptions {
  /** The Kubernetes domain of a cluster served, by name, or undefined. */
  cluster(name: string): KubeDeps | undefined;
  /** Checks EKS tokens (with --auth strict). */
  awsIdentity?: AwsIdentitySource;
  /** --auth strict: callers must authenticate (a token of the cluster's, a client certificate) and RBAC decides. */
  strict: boolean;
  version: string;
  /** How often watches that ask for bookmarks get one (default a minute). */
  bookmarkMs?: number;
  /** A cluster's pods on berth's hosts, and where their output is read (none: no pod logs). */
  pods?(cluster: string): PodHosts | undefined;
  logs?: PodLogSource;
  /** A cluster's pods' resource use, for metrics.k8s.io (none: every pod without metrics). */
  usage?(cluster: string): PodUsage | undefined;
}

const NO_USAGE = new PodUsage(() => undefined);

/**
 * The Kubernetes API of each cluster under `/k8s/<cluster>/` (a kubeconfig's server URL may carry
 * a path, so berth keeps its one port): discovery, OpenAPI, and the kinds of the `kube` module,
 * answered in JSON and, for kubectl, as Tables; errors as metav1.Status.
 */
export async function kubeApiPlugin(app: FastifyInstance, o: KubeApiOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req, payload, done) => {
    readBody(req.headers, payload).then(
      (b) => done(null, b),
      (e: Error) => done(e),
    );
  });
  // Watches and followed logs run until their client leaves: the server stopping ends them first,
  // or its close would wait for them.
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const stop of open) stop();
    done();
  });
  app.setErrorHandler((error: Error, _req, reply) => {
    const s = error instanceof BerthError ? statusOf(error) : failure(400, 'BadRequest', error.message);
    void send(reply, { code: s.code, body: s });
  });

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(req.raw.url ?? '/', 'http://berth');
    let seg: string[];
    try {
      seg = url.pathname
        .split('/')
        .filter((s) => s.length > 0)
        .map(decodeURIComponent);
    } catch {
      return send(reply, { code: 404, body: notFoundStatus() });
    }
    if (seg.some((s) => s.includes('/'))) return send(reply, { code: 404, body: notFoundStatus() });
    const deps = o.cluster(seg[1] ?? '');
    if (!deps) return send(reply, { code: 404, body: noClusterStatus(seg[1] ?? '') });
    try {
      await deps.store.fresh();
      const caller = callerOf(deps, seg[1] as string, req.headers, req.raw.socket, o.awsIdentity);
      // Refused: a token of the cluster's that fails its checks; with --auth strict, no credential.
      if (!caller || (o.strict && caller === ANONYMOUS)) return send(reply, { code: 401, body: unauthorized() });
      const as = impersonation(deps, seg[1] as string, caller, req.headers, o.strict);
      if (as && 'refused' in as) return send(reply, { code: as.refused.code ?? 403, body: as.refused });
      return await route(deps, seg[1] as string, req, reply, seg.slice(2), url, as ? as.user : caller, Boolean(as));
    } catch (e) {
      const s = statusOf(e);
      return send(reply, { code: s.code, body: s });
    }
  };

  const route = async (
    deps: KubeDeps,
    cluster: string,
    req: FastifyRequest,
    reply: FastifyReply,
    seg: string[],
    url: URL,
    caller: UserInfo,
    impersonating = false,
  ) => {
    const kinds = kindsOf(deps, cluster);
    const t = resolvePath(seg, (g, v, p) => kindFor(g, v, p, kinds));
    // With --auth strict, RBAC decides (with --auth open nothing is refused).
    if (o.strict) {
      const a = attributesOf(t, req.method, url.searchParams, `/${seg.join('/')}`);
      if (!deps.store.read((tx) => authorize(tx, cluster, caller, a)).allowed)
        return send(reply, { code: 403, body: forbiddenStatus(caller, a) });
    }
    const oidc = seg.join('/');
    if (req.method === 'GET' && (oidc === '.well-known/openid-configuration' || oidc === 'openid/v1/jwks')) {
      const d = issuerDiscovery(deps, cluster);
      if (!d) return send(reply, { code: 404, body: notFoundStatus() });
      return oidc === 'openid/v1/jwks'
        ? send(reply, { code: 200, body: d.jwks as KubeObject }, 'application/jwk-set+json')
        : send(reply, { code: 200, body: d.config as KubeObject });
    }
    // The request as the verbs read it (a body only where the client sent one).
    const r: KubeRequest = {
      method: req.method,
      query: url.searchParams,
      body: Buffer.isBuffer(req.body) ? req.body : undefined,
      contentType: mediaType(req.headers),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      user: caller,
      // With --auth strict, a role or binding may grant only what its writer holds.
      ...(o.strict ? { guard: (tx, kind, next, prev) => checkEscalation(tx, cluster, caller, kind, next, prev) } : {}),
    };
    const accept = req.headers.accept;
    const get = req.method === 'GET';
    switch (t.type) {
      case 'root':
        return send(reply, { code: 200, body: { paths: ['/api', '/api/v1', '/apis', '/openapi/v3', '/version'] } });
      case 'version':
        return send(reply, { code: 200, body: versionInfo(o.version) });
      case 'api':
      case 'apis':
        if (wantsAggregated(accept))
          return send(reply, { code: 200, body: aggregatedDiscovery(kinds, t.type === 'api') }, AGGREGATED);
        return send(reply, {
          code: 200,
          body: t.type === 'api' ? apiVersions(req.headers.host ?? '') : apiGroupList(kinds),
        });
      case 'group-version': {
        const list = apiResourceList(kinds, t.group, t.version);
        return send(reply, list ? { code: 200, body: list } : { code: 404, body: notFoundStatus() });
      }
      case 'openapi-v3':
        return send(reply, { code: 200, body: openapiRoot(kinds) });
      case 'openapi-doc': {
        const doc = openapiDocument(kinds, t.gv);
        if (!doc) return send(reply, { code: 404, body: notFoundStatus() });
        return reply.code(200).header('content-type', 'application/json').send(doc);
      }
      case 'collection':
      case 'item': {
        if (
          (t.kind === TOKEN_REVIEW || t.kind === SELF_SUBJECT_REVIEW) &&
          t.type === 'collection' &&
          r.method === 'POST'
        )
          return send(reply, review(deps, cluster, t.kind, r, caller));
        if (
          (t.kind === SELF_SUBJECT_ACCESS_REVIEW ||
            t.kind === SUBJECT_ACCESS_REVIEW ||
            t.kind === LOCAL_SUBJECT_ACCESS_REVIEW) &&
          t.type === 'collection' &&
          r.method === 'POST'
        )
          return send(reply, accessReview(deps, cluster, t.kind, r, caller, o.strict || impersonating, t.namespace));
        if (t.kind === SELF_SUBJECT_RULES_REVIEW && t.type === 'collection' && r.method === 'POST')
          return send(reply, rulesReview(deps, cluster, r, caller, o.strict || impersonating));
        if (t.kind.virtual) {
          if (!get || queryFlag(url.searchParams, 'watch'))
            return send(reply, {
              code: 405,
              body: failure(
                405,
                'MethodNotAllowed',
                'the server does not allow this method on the requested resource',
                {},
              ),
            });
          const body = metricsRead(deps, cluster, o.usage?.(cluster) ?? NO_USAGE, {
            kind: t.kind.kind as 'PodMetrics' | 'NodeMetrics',
            ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
            ...(t.type === 'item' ? { name: t.name } : {}),
            ...(url.searchParams.get('labelSelector')
              ? { labelSelector: url.searchParams.get('labelSelector') as string }
              : {}),
          });
          if (body) return send(reply, { code: 200, body });
          const what = `${t.kind.plural}.${t.kind.group}`;
          return send(reply, {
            code: 404,
            body: failure(404, 'NotFound', `${what} "${t.type === 'item' ? t.name : ''}" not found`, {
              name: t.type === 'item' ? t.name : '',
              group: t.kind.group,
              kind: t.kind.plural,
            }),
          });
        }
        const scope: Scope = {
          cluster,
          kind: t.kind,
          ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
        };
        const table = wantsTable(accept);
        const include = (url.searchParams.get('includeObject') ?? 'Metadata') as IncludeObject;
        const now = deps.clock.now().getTime();
        if (t.type === 'collection' && get) {
          if (queryFlag(url.searchParams, 'watch'))
            return streamWatch(deps, scope, req, reply, url.searchParams, {
              table,
              include,
              bookmarkMs: o.bookmarkMs,
              open,
            });
          const list = listObjects(deps, scope, listQuery(url.searchParams));
          return send(reply, {
            code: 200,
            body: table
              ? toTable(t.kind, list.items, {
                  resourceVersion: list.resourceVersion,
                  ...(list.continue ? { continue: list.continue } : {}),
                  includeObject: include,
                  now,
                })
              : listOf(t.kind, list),
          });
        }
        let answer: KubeAnswer;
        if (t.type === 'collection' && req.method === 'DELETE') answer = await deleteCollection(deps, scope, r);
        else if (t.type === 'collection') {
          if (req.method !== 'POST')
            throw new BerthError('NotImplemented', `${req.method} of a collection is not implemented in berth yet`, {
              reason: 'method-not-allowed',
            });
          answer = await createIn(deps, scope, r);
        } else answer = await itemVerb(deps, scope, t.name, r);
        if (table && get)
          answer = { ...answer, body: toTable(t.kind, [answer.body as KubeObject], { includeObject: include, now }) };
        return send(reply, answer);
      }
      case 'subresource': {
        const sub: Scope = { cluster, kind: t.kind, namespace: t.namespace };
        if (
          t.sub === 'scale' &&
          (t.kind === DEPLOYMENT ||
            t.kind === REPLICA_SET ||
            t.kind === STATEFUL_SET ||
            t.kind === REPLICATION_CONTROLLER)
        )
          return send(reply, await scaleVerb(deps, sub, t.name, r));
        if (t.sub === 'scale' && t.kind.scalePaths)
          return send(reply, await scaleVerb(deps, sub, t.name, r, t.kind.scalePaths));
        if (t.sub === 'status' && get) return send(reply, { code: 200, body: getObject(deps, sub, t.name) });
        if (t.sub === 'status' && t.kind.keepsStatus && (req.method === 'PUT' || req.method === 'PATCH'))
          return send(reply, await statusVerb(deps, sub, t.name, r));
        if (t.kind === SERVICE_ACCOUNT && t.sub === 'token' && req.method === 'POST')
          return send(reply, tokenRequest(deps, cluster, t.namespace, t.name, r));
        if (t.kind === POD && t.sub === 'eviction' && req.method === 'POST') {
          await evictPod(deps, sub, t.name, jsonBody(r));
          const done: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
          return send(reply, { code: 201, body: done });
        }
        const pods = o.pods?.(cluster);
        if (t.kind !== POD || t.sub !== 'log' || !get || !pods || !o.logs)
          return send(reply, { code: 404, body: notFoundStatus() });
        return podLog(
          deps,
          { cluster, kind: POD, namespace: t.namespace },
          t.name,
          pods,
          o.logs,
          req,
          reply,
          url.searchParams,
          open,
        );
      }
      case 'openapi-v2': {
        const doc = openapiV2(accept);
        return reply.code(200).header('content-type', doc.type).send(doc.body);
      }
      case 'unknown':
        return send(reply, { code: 404, body: notFoundStatus() });
    }
  };

  app.all('/k8s/:cluster', handle);
  app.all('/k8s/:cluster/*', handle);
}

function send(reply: FastifyReply, a: KubeAnswer | { code: number; body: Status }, contentType = 'application/json') {
  const warnings = 'warnings' in a ? (a.warnings ?? []) : [];
  // Warning headers as the API server writes them (RFC 7234: 299, the agent "-", a quoted text).
  if (warnings.length)
    reply.header(
      'warning',
      warnings.map((w) => `299 - ${JSON.stringify(w)}`),
    );
  // A Buffer, so that the media type goes out exactly as written (kubectl compares the discovery one).
  return reply
    .code(a.code)
    .header('content-type', contentType)
    .send(Buffer.from(JSON.stringify(a.body)));
}
