import type { FastifyInstance } from 'fastify';
import { taskTop, type ControlPlaneDeps } from '../control-plane/index.js';

/**
 * `berth top`'s endpoint: GET /_berth/top[?cluster=&region=] — every running task's last CPU,
 * memory, network and block I/O reading, busiest first. Like the other /_berth endpoints it is
 * served only with --auth open.
 */
export function mountTopEndpoint(
  app: FastifyInstance,
  regionDeps: (name?: string) => ControlPlaneDeps | undefined,
  open: boolean,
): void {
  app.get<{ Querystring: { cluster?: unknown; region?: unknown } }>('/_berth/top', async (req, reply) => {
    if (!open)
      return reply
        .code(403)
        .send({ error: 'AccessDenied', message: 'the /_berth endpoints are only served with --auth open' });
    const { cluster, region } = req.query;
    for (const [name, v] of [
      ['cluster', cluster],
      ['region', region],
    ] as const)
      if (v !== undefined && typeof v !== 'string')
        return reply.code(400).send({ error: 'InvalidParameter', message: `${name} must be given once` });
    const deps = regionDeps((region as string | undefined) || undefined);
    if (!deps)
      return reply.code(400).send({ error: 'InvalidParameter', message: `'${String(region)}' is not a region` });
    return { at: new Date().toISOString(), tasks: taskTop(deps, (cluster as string | undefined) || undefined) };
  });
}
