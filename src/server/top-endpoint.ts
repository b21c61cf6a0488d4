import type { FastifyInstance } from 'fastify';
import { taskTop, type ControlPlaneDeps, type TopRow } from '../control-plane/index.js';

/** What GET /_berth/top answers: each running task's last reading. */
export interface TopReply {
  at: string;
  tasks: TopRow[];
}
export type { TopRow };

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
    const out: TopReply = {
      at: new Date().toISOString(),
      tasks: taskTop(deps, (cluster as string | undefined) || undefined),
    };
    return out;
  });
}
