import { statBlob, readBlob, unlinkBlob } from '../blobs.js';
import { API_VERSION_HEADER, header, type RouteHandler } from './context.js';

/** Parses `Range: bytes=a-b` (also `a-` and `-n`) against a blob of `size` bytes. */
export function parseRange(h: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export const getBlob: RouteHandler = async ({ deps, req, reply, params }) => {
  const [name, digest] = params as [string, string];
  const { size } = await statBlob(deps, name, digest);
  const headers = {
    ...API_VERSION_HEADER,
    'docker-content-digest': digest,
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    etag: `"${digest}"`,
  };
  const rangeHeader = header(req, 'range');
  const range = rangeHeader ? parseRange(rangeHeader, size) : undefined;
  if (range === 'unsatisfiable') {
    return reply
      .code(416)
      .headers({ ...headers, 'content-range': `bytes */${size}` })
      .send();
  }
  if (range) {
    reply.code(206).headers({
      ...headers,
      'content-range': `bytes ${range.start}-${range.end}/${size}`,
      'content-length': String(range.end - range.start + 1),
    });
    return req.method === 'HEAD' ? reply.send() : reply.send(readBlob(deps, digest, range));
  }
  reply.code(200).headers({ ...headers, 'content-length': String(size) });
  return req.method === 'HEAD' ? reply.send() : reply.send(readBlob(deps, digest));
};

export const deleteBlob: RouteHandler = async ({ deps, reply, params }) => {
  const [name, digest] = params as [string, string];
  await unlinkBlob(deps, name, digest);
  return reply
    .code(202)
    .headers({ ...API_VERSION_HEADER, 'content-length': '0' })
    .send();
};
