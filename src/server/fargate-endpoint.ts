import type { FastifyInstance } from 'fastify';
import type { ControlPlaneDeps } from '../control-plane/index.js';
import { interruptSpot, usageReport, type FargatePrices } from '../fargate/index.js';
import { asBerthError, type ErrorKind } from '../kernel/index.js';

const STATUS: Partial<Record<ErrorKind, number>> = { NotFound: 404, InvalidParameter: 400 };

/**
 * berth's own Fargate endpoints (`berth usage`, `berth fargate interrupt`):
 *   GET  /_berth/usage[?cluster=]            usage and estimated cost per cluster, service and task
 *   POST /_berth/v1/fargate/interrupt         {cluster?, task? | fraction?}: reclaim Spot capacity
 * Like the other /_berth endpoints they are served only with --auth open.
 */
export function mountFargateEndpoints(
  app: FastifyInstance,
  /** A region's control plane (the default region's without a name); undefined for no region. */
  regionDeps: (name?: string) => ControlPlaneDeps | undefined,
  options: { open: boolean; prices: FargatePrices; spotWarningMs: number },
): void {
  const denied = { error: 'AccessDenied', message: 'the /_berth endpoints are only served with --auth open' };
  const fail = (e: unknown) => {
    const b = asBerthError(e);
    return { code: STATUS[b.kind] ?? 500, body: { error: b.kind, message: b.message } };
  };
  const notRegion = (name: unknown) => ({ error: 'InvalidParameter', message: `'${String(name)}' is not a region` });
  app.get<{ Querystring: { cluster?: string; region?: string } }>('/_berth/usage', async (req, reply) => {
    if (!options.open) return reply.code(403).send(denied);
    const deps = regionDeps(req.query.region || undefined);
    if (!deps) return reply.code(400).send(notRegion(req.query.region));
    return usageReport(deps, options.prices, req.query.cluster || undefined);
  });
  app.post<{ Body: { cluster?: unknown; task?: unknown; fraction?: unknown; region?: unknown } | undefined }>(
    '/_berth/v1/fargate/interrupt',
    async (req, reply) => {
      if (!options.open) return reply.code(403).send(denied);
      const b = req.body ?? {};
      const bad = (['cluster', 'task', 'region'] as const).find((k) => b[k] !== undefined && typeof b[k] !== 'string');
      if (bad) return reply.code(400).send({ error: 'InvalidParameter', message: `${bad} must be a string` });
      if (b.fraction !== undefined && typeof b.fraction !== 'number')
        return reply.code(400).send({ error: 'InvalidParameter', message: 'fraction must be a number' });
      const named = (b.region as string | undefined) ?? (b.task as string | undefined)?.split(':')[3];
      const deps = regionDeps(named || undefined);
      if (!deps) return reply.code(400).send(notRegion(named));
      try {
        const stopped = await interruptSpot(deps, {
          ...(b.cluster ? { cluster: b.cluster as string } : {}),
          ...(b.task ? { task: b.task as string } : {}),
          ...(b.fraction !== undefined ? { fraction: b.fraction as number } : {}),
          warningMs: options.spotWarningMs,
        });
        return { interrupted: stopped.map((t) => t.arn), warningSeconds: options.spotWarningMs / 1000 };
      } catch (e) {
        const f = fail(e);
        return reply.code(f.code).send(f.body);
      }
    },
  );
}
