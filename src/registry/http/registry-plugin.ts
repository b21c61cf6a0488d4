import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkLayerSignature, checkPassword, passwordRegion } from '../auth-token.js';
import type { RegistryDeps } from '../deps.js';
import { collectGarbage, type GcOptions, type GcReport } from '../gc.js';
import { applyAllLifecycles } from '../lifecycle/lifecycle.js';
import { checkRepositoryName } from '../names.js';
import { deleteBlob, getBlob } from './blob-routes.js';
import { API_VERSION_HEADER, sendOciError, header, type RouteHandler } from './context.js';
import { getCatalog, getReferrers, getTags } from './listing-routes.js';
import { deleteManifestRoute, getManifest, putManifestRoute } from './manifest-routes.js';
import { ociErrorBody } from './oci-errors.js';
import { deleteUpload, getUpload, patchUpload, postUpload, putUpload } from './upload-routes.js';

export interface RegistryHttpOptions {
  /** The default region's registry. */
  deps: RegistryDeps;
  /** Another region's registry (undefined for a name that is not a region); without it, only `deps`. */
  region?: (name: string) => RegistryDeps | undefined;
  /** Every open region's registry, for the on-demand maintenance runs. */
  all?: () => RegistryDeps[];
  gc: GcOptions;
  /** Require the ECR token as Basic auth on every /v2 request. */
  auth: boolean;
  /** The realm named in WWW-Authenticate. */
  realm: string;
  /**
   * With --auth strict: whether the token's holder may do an ECR action (`ecr:BatchGetImage`,
   * `ecr:PutImage`, …) on a repository (undefined: on the registry); answers a refusal's message,
   * or undefined when allowed.
   */
  authorize?: (
    password: string,
    action: string,
    repository: string | undefined,
    deps: RegistryDeps,
  ) => string | undefined;
}

type Methods = Partial<Record<string, RouteHandler>>;

// Repository names contain slashes, so /v2 paths are matched here rather than by the router.
const routes: [RegExp, Methods][] = [
  [/^\/v2\/(.+)\/tags\/list$/, { GET: getTags }],
  [
    /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    { GET: getManifest, HEAD: getManifest, PUT: putManifestRoute, DELETE: deleteManifestRoute },
  ],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, { POST: postUpload }],
  [
    /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    { GET: getUpload, PATCH: patchUpload, PUT: putUpload, DELETE: deleteUpload },
  ],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob }],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, { GET: getReferrers }],
];

/** The ECR action each route and method stands for, as IAM policies name them (same order as `routes`). */
const actions: Partial<Record<string, string>>[] = [
  { GET: 'ecr:ListImages' },
  { GET: 'ecr:BatchGetImage', HEAD: 'ecr:BatchGetImage', PUT: 'ecr:PutImage', DELETE: 'ecr:BatchDeleteImage' },
  { POST: 'ecr:InitiateLayerUpload' },
  {
    GET: 'ecr:UploadLayerPart',
    PATCH: 'ecr:UploadLayerPart',
    PUT: 'ecr:CompleteLayerUpload',
    DELETE: 'ecr:UploadLayerPart',
  },
  { GET: 'ecr:GetDownloadUrlForLayer', HEAD: 'ecr:BatchCheckLayerAvailability', DELETE: 'ecr:BatchDeleteImage' },
  { GET: 'ecr:BatchGetImage' },
];

/** The password of `Basic` credentials for the user `AWS`, as `docker login` sends ECR's token. */
function ecrPassword(req: FastifyRequest): string | undefined {
  const h = header(req, 'authorization');
  if (!h?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(h.slice(6), 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon > 0 && decoded.slice(0, colon) === 'AWS' ? decoded.slice(colon + 1) : undefined;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]{1,40})\.amazonaws\.com(?::\d{1,5})?$/;

/**
 * Which region's registry a /v2 request is for. ECR tells regions apart by host name, so an ECR
 * host name (`<account>.dkr.ecr.<region>.amazonaws.com`, mapped to berth by the user) names its
 * region; on any other host name the region is the one the ECR token was issued for
 * (`aws ecr get-login-password --region …`); else the default region.
 */
function registryFor(req: FastifyRequest, password: string | undefined, options: RegistryHttpOptions): RegistryDeps {
  if (!options.region) return options.deps;
  const host = ECR_HOST.exec(header(req, 'host') ?? '');
  const name = host && host[1] === options.deps.accountId ? host[2] : password && passwordRegion(password);
  return (name && options.region(name)) || options.deps;
}

/** The OCI distribution API at /v2, streaming bodies straight into the blob store. */
export async function registryPlugin(app: FastifyInstance, options: RegistryHttpOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  // Leave bodies unread: handlers stream them from the raw request.
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    // The credentials are decoded once: they choose the region, then are checked against it.
    const password = ecrPassword(req);
    const deps = registryFor(req, password, options);
    if (options.auth && (password === undefined || checkPassword(deps, password) !== 'ok')) {
      return reply
        .code(401)
        .headers({
          ...API_VERSION_HEADER,
          'content-type': 'application/json',
          'www-authenticate': `Basic realm="${options.realm}",service="ecr.amazonaws.com"`,
        })
        .send(ociErrorBody({ status: 401, code: 'UNAUTHORIZED', message: 'authentication required' }));
    }
    const url = new URL(req.raw.url ?? '/', 'http://registry');
    const path = decodeURI(url.pathname);
    // In strict mode the token's holder must be allowed the ECR action the request stands for.
    const denied = (action: string, repository?: string) =>
      options.authorize && password !== undefined ? options.authorize(password, action, repository, deps) : undefined;
    const refuse = (message: string) =>
      reply
        .code(403)
        .headers(API_VERSION_HEADER)
        .send(ociErrorBody({ status: 403, code: 'DENIED', message }));
    try {
      if (path === '/v2/' || path === '/v2') return reply.code(200).headers(API_VERSION_HEADER).send({});
      // With several servers, a client's requests may each reach another one (a push's blobs here,
      // its manifest there): each request reads at least what was committed before it began.
      await deps.store.fresh();
      if (path === '/v2/_catalog' && req.method === 'GET') {
        const no = denied('ecr:DescribeRepositories');
        if (no) return refuse(no);
        return await getCatalog({ deps, req, reply, params: [], query: url.searchParams });
      }
      for (const [i, [re, methods]] of routes.entries()) {
        const m = re.exec(path);
        if (!m) continue;
        const handler = methods[req.method];
        if (!handler) {
          return reply
            .code(405)
            .headers(API_VERSION_HEADER)
            .send(
              ociErrorBody({ status: 405, code: 'UNSUPPORTED', message: `${req.method} is not supported on ${path}` }),
            );
        }
        const params = m.slice(1);
        checkRepositoryName(params[0] as string, 'name');
        const no = denied(actions[i]?.[req.method] ?? 'ecr:*', params[0]);
        if (no) return refuse(no);
        return await handler({ deps, req, reply, params, query: url.searchParams });
      }
      return reply
        .code(404)
        .headers(API_VERSION_HEADER)
        .send(ociErrorBody({ status: 404, code: 'NAME_UNKNOWN', message: `no route for ${path}` }));
    } catch (e) {
      return sendOciError(reply, e);
    }
  };
  // On-demand runs of the periodic maintenance, for operators and tests.
  const everyRegion = () => options.all?.() ?? [options.deps];
  // Other regions' repositories are named `<region>/<repository>` in the answers.
  const named = (deps: RegistryDeps, name: string) => (deps === options.deps ? name : `${deps.region}/${name}`);
  app.post('/_berth/registry/lifecycle', async () => {
    const expired: Record<string, string[]> = {};
    for (const deps of everyRegion()) {
      for (const [repo, digests] of Object.entries(await applyAllLifecycles(deps)))
        expired[named(deps, repo)] = digests;
    }
    return { expired };
  });
  app.post('/_berth/registry/gc', async () => {
    const total: GcReport = { blobs: [], links: 0, uploads: [], temporary: 0 };
    for (const deps of everyRegion()) {
      const r = await collectGarbage(deps, options.gc);
      total.blobs.push(...r.blobs.map((b) => named(deps, b)));
      total.uploads.push(...r.uploads.map((u) => named(deps, u)));
      total.links += r.links;
      total.temporary += r.temporary;
    }
    return total;
  });
  // ECR's GetDownloadUrlForLayer hands out links that need no credentials, only a valid signature.
  app.get('/_berth/registry/layers/*', async (req, reply) => {
    const url = new URL(req.raw.url ?? '/', 'http://registry');
    const m = /^\/_berth\/registry\/layers\/(.+)\/([^/]+)$/.exec(url.pathname);
    const region = url.searchParams.get('region');
    const deps = (region && options.region?.(region)) || options.deps;
    const ok =
      m !== null &&
      checkLayerSignature(
        deps,
        url.pathname,
        url.searchParams.get('expires') ?? '',
        url.searchParams.get('signature') ?? '',
      );
    if (!m || !ok) {
      return reply
        .code(403)
        .headers(API_VERSION_HEADER)
        .send(ociErrorBody({ status: 403, code: 'DENIED', message: 'the link is not valid or has expired' }));
    }
    try {
      return await getBlob({
        deps,
        req,
        reply,
        params: [m[1] as string, m[2] as string],
        query: url.searchParams,
      });
    } catch (e) {
      return sendOciError(reply, e);
    }
  });
  app.all('/v2', handle);
  app.all('/v2/', handle);
  app.all('/v2/*', handle);
}
