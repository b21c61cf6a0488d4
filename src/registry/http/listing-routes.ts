import { catalog, listReferrers, listTags } from '../listing.js';
import { OCI_INDEX } from '../media-types.js';
import { API_VERSION_HEADER, nextLink, pageSize, type RouteHandler } from './context.js';

export const getTags: RouteHandler = async ({ deps, reply, params, query }) => {
  const [name] = params as [string];
  const n = pageSize(query);
  const page = listTags(deps, name, n, query.get('last') ?? undefined);
  return reply
    .code(200)
    .headers({ ...API_VERSION_HEADER, ...nextLink(`/v2/${name}/tags/list`, n, page.last) })
    .send({ name, tags: page.items });
};

export const getCatalog: RouteHandler = async ({ deps, reply, query }) => {
  const n = pageSize(query);
  const page = catalog(deps, n, query.get('last') ?? undefined);
  return reply
    .code(200)
    .headers({ ...API_VERSION_HEADER, ...nextLink('/v2/_catalog', n, page.last) })
    .send({ repositories: page.items });
};

export const getReferrers: RouteHandler = async ({ deps, reply, params, query }) => {
  const [name, digest] = params as [string, string];
  const artifactType = query.get('artifactType') ?? undefined;
  const manifests = listReferrers(deps, name, digest, artifactType);
  return reply
    .code(200)
    .headers({
      ...API_VERSION_HEADER,
      'content-type': OCI_INDEX,
      ...(artifactType !== undefined ? { 'oci-filters-applied': 'artifactType' } : {}),
    })
    .send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })));
};
