import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newRequestId } from '../kernel/context.js';
import { dispatch, type DispatchDeps } from './dispatch.js';
import { AwsError } from './errors.js';
import { jsonError } from './protocols/json.js';
import type { RawRequest } from './raw.js';

export interface AwsApiOptions extends DispatchDeps {
  /** The largest request body an AWS call may carry. */
  bodyLimit: number;
}

/**
 * Mounts the AWS API on a fastify instance: POST / for the JSON and query protocols, and every
 * path no other module claims for rest-json services. Bodies arrive as raw bytes because SigV4
 * signs the exact bytes sent.
 */
export async function awsApiPlugin(app: FastifyInstance, options: AwsApiOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler((error: { statusCode?: number; message: string }, _req, reply) => {
    const status = error.statusCode ?? 500;
    const err =
      status === 413
        ? new AwsError('RequestEntityTooLargeException', `Request body is larger than ${options.bodyLimit} bytes`, 413)
        : status < 500
          ? new AwsError('SerializationException', error.message, 400)
          : new AwsError('InternalFailure', 'An internal error occurred', 500);
    const r = jsonError(undefined, err, newRequestId());
    void reply.code(r.status).headers(r.headers).send(r.body);
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.raw.url ?? '/';
    const q = url.indexOf('?');
    const raw: RawRequest = {
      method: request.method,
      path: q < 0 ? url : url.slice(0, q),
      rawQuery: q < 0 ? '' : url.slice(q + 1),
      headers: request.headers,
      body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    };
    const abort = new AbortController();
    request.raw.socket.once('close', () => abort.abort());
    const res = await dispatch(raw, options, abort.signal);
    return reply.code(res.status).headers(res.headers).send(res.body);
  };

  app.post('/', handle);
  app.all('/*', handle);
}
