import { invalidParameter } from '../../kernel/index.js';
import type { AppendOptions } from '../../blob/index.js';
import { appendUpload, cancelUpload, completeUpload, mountBlob, putBlob, startUpload, uploadSize } from '../blobs.js';
import { API_VERSION_HEADER, body, header, uploadRange, type RouteContext, type RouteHandler } from './context.js';

const created = (ctx: RouteContext, name: string, digest: string) =>
  ctx.reply
    .code(201)
    .headers({
      ...API_VERSION_HEADER,
      location: `/v2/${name}/blobs/${digest}`,
      'docker-content-digest': digest,
      'content-length': '0',
    })
    .send();

const inProgress = (ctx: RouteContext, name: string, id: string, size: number, status = 202) =>
  ctx.reply
    .code(status)
    .headers({
      ...API_VERSION_HEADER,
      location: `/v2/${name}/blobs/uploads/${id}`,
      range: uploadRange(size),
      'docker-upload-uuid': id,
      'content-length': '0',
    })
    .send();

/** POST: start a session, or upload in one request (`?digest=`), or mount (`?mount=&from=`). */
export const postUpload: RouteHandler = async (ctx) => {
  const [name] = ctx.params as [string];
  const mount = ctx.query.get('mount');
  if (mount !== null) {
    if (await mountBlob(ctx.deps, name, mount, ctx.query.get('from') ?? undefined)) return created(ctx, name, mount);
  }
  const digest = ctx.query.get('digest');
  if (digest !== null && mount === null) {
    const r = await putBlob(ctx.deps, name, digest, body(ctx.req));
    return created(ctx, name, r.digest);
  }
  const rec = await startUpload(ctx.deps, name);
  return inProgress(ctx, name, rec.id, 0);
};

export const getUpload: RouteHandler = async (ctx) => {
  const [name, id] = ctx.params as [string, string];
  return inProgress(ctx, name, id, await uploadSize(ctx.deps, name, id), 204);
};

/** What a chunk says about itself: `Content-Range: start-end` and `Content-Length`. */
function chunkOptions(ctx: RouteContext): AppendOptions {
  const options: AppendOptions = {};
  const cl = header(ctx.req, 'content-length');
  if (cl !== undefined) options.length = Number(cl);
  const cr = header(ctx.req, 'content-range');
  if (cr !== undefined) {
    const m = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(cr.trim());
    if (!m)
      throw invalidParameter(`Content-Range '${cr}' is not of the form <start>-<end>`, { reason: 'range-invalid' });
    const start = Number(m[1]);
    const length = Number(m[2]) - start + 1;
    if (length <= 0 || (options.length !== undefined && options.length !== length)) {
      throw invalidParameter(`Content-Range '${cr}' does not match Content-Length ${cl ?? '(none)'}`, {
        reason: 'range-invalid',
      });
    }
    options.offset = start;
    options.length = length;
  }
  return options;
}

export const patchUpload: RouteHandler = async (ctx) => {
  const [name, id] = ctx.params as [string, string];
  const size = await appendUpload(ctx.deps, name, id, body(ctx.req), chunkOptions(ctx));
  return inProgress(ctx, name, id, size);
};

export const putUpload: RouteHandler = async (ctx) => {
  const [name, id] = ctx.params as [string, string];
  const digest = ctx.query.get('digest');
  if (!digest)
    throw invalidParameter('the digest query parameter is required to complete an upload', {
      reason: 'digest-invalid',
    });
  const hasBody =
    header(ctx.req, 'transfer-encoding') !== undefined || Number(header(ctx.req, 'content-length') ?? 0) > 0;
  const r = await completeUpload(
    ctx.deps,
    name,
    id,
    digest,
    hasBody ? { source: body(ctx.req), options: chunkOptions(ctx) } : undefined,
  );
  return created(ctx, name, r.digest);
};

export const deleteUpload: RouteHandler = async (ctx) => {
  const [name, id] = ctx.params as [string, string];
  await cancelUpload(ctx.deps, name, id);
  return ctx.reply.code(204).headers(API_VERSION_HEADER).send();
};
