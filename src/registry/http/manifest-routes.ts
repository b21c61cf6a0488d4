import { limitExceeded, notFound } from '../../kernel/index.js';
import { deleteManifest, putManifest, readManifestBytes, recordPull, resolveManifest } from '../manifests.js';
import { API_VERSION_HEADER, header, readLimited, type RouteHandler } from './context.js';

/** Whether an Accept header admits a media type; no Accept (or a wildcard) admits everything. */
export function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return true;
  const types = accept.split(',').map((t) => t.split(';')[0]?.trim() ?? '');
  return types.some((t) => t === mediaType || t === '*/*' || t === '');
}

export const getManifest: RouteHandler = async ({ deps, req, reply, params }) => {
  const [name, reference] = params as [string, string];
  const rec = resolveManifest(deps, name, reference);
  if (!accepts(header(req, 'accept'), rec.mediaType)) {
    throw notFound(`manifest ${rec.digest} is a ${rec.mediaType}, which the request's Accept header does not admit`, {
      resource: 'manifest',
    });
  }
  const headers = {
    ...API_VERSION_HEADER,
    'content-type': rec.mediaType,
    'docker-content-digest': rec.digest,
    'content-length': String(rec.size),
    etag: `"${rec.digest}"`,
  };
  if (req.method === 'HEAD') return reply.code(200).headers(headers).send();
  const bytes = await readManifestBytes(deps, rec);
  // Not awaited: the pull time is a lazy statistic, and a conflicting write only loses one update of it.
  recordPull(deps, rec).catch(() => undefined);
  return reply.code(200).headers(headers).send(bytes);
};

export const putManifestRoute: RouteHandler = async ({ deps, req, reply, params }) => {
  const [name, reference] = params as [string, string];
  const bytes = await readLimited(req, deps.maxManifestSize);
  if (!bytes) {
    throw limitExceeded(`manifest exceeds the limit of ${deps.maxManifestSize} bytes`, { reason: 'too-large' });
  }
  const r = await putManifest(deps, name, reference, header(req, 'content-type'), bytes);
  return reply
    .code(201)
    .headers({
      ...API_VERSION_HEADER,
      location: `/v2/${name}/manifests/${r.digest}`,
      'docker-content-digest': r.digest,
      'content-length': '0',
      ...(r.subject ? { 'oci-subject': r.subject } : {}),
    })
    .send();
};

export const deleteManifestRoute: RouteHandler = async ({ deps, reply, params }) => {
  const [name, reference] = params as [string, string];
  await deleteManifest(deps, name, reference);
  return reply
    .code(202)
    .headers({ ...API_VERSION_HEADER, 'content-length': '0' })
    .send();
};
