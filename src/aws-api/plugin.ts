import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newRequestId } from '../kernel/index.js';
import { readBody } from './body.js';
import { dispatch, earlyError, type DispatchDeps } from './dispatch.js';
import { AwsError } from './errors.js';
import { rawRequest } from './raw.js';

export type AwsApiOptions = DispatchDeps;

/**
 * Mounts the AWS API on a fastify instance: POST / for the JSON and query protocols, and every
 * path no other module claims for rest-json services. Bodies arrive as raw bytes because SigV4
 * signs the exact bytes sent; each service's size limit and (strict mode) the signature's key and
 * date are checked before a byte of the body is buffered (`body.ts`).
 */
export async function awsApiPlugin(app: FastifyInstance, options: AwsApiOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req, payload, done) => {
    readBody(req.headers, req.raw.url ?? '/', payload, {
      services: options.services,
      auth: options.auth,
      now: () => options.clock.now(),
    }).then(
      (body) => done(null, body),
      (e: Error) => done(e),
    );
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, req, reply) => {
    const status = error.statusCode ?? 500;
    const err =
      error instanceof AwsError
        ? error
        : status < 500
          ? new AwsError('SerializationException', error.message, 400)
          : new AwsError('InternalFailure', 'An internal error occurred', 500);
    const r = earlyError(
      rawRequest(req.method, req.raw.url ?? '/', req.headers),
      options.services,
      err,
      newRequestId(),
    );
    // A body refused part way is not read to its end: the connection closes after the answer.
    if (err.status === 413 || err.status === 408) r.headers['connection'] = 'close';
    void reply.code(r.status).headers(r.headers).send(r.body);
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = rawRequest(
      request.method,
      request.raw.url ?? '/',
      request.headers,
      Buffer.isBuffer(request.body) ? request.body : undefined,
      // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d; policies name it as a.b.c.d.
      request.raw.socket.remoteAddress?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''),
    );
    // Aborts the handler when the client goes away before the answer. The listener sits on this
    // request's response, not on the socket, so a keep-alive connection gathers none.
    const abort = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.abort();
    };
    reply.raw.once('close', onClose);
    const res = await dispatch(raw, options, abort.signal);
    return reply.code(res.status).headers(res.headers).send(res.body);
  };

  app.post('/', handle);
  app.all('/*', handle);
}
