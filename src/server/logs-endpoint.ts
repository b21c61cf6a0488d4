import type { FastifyInstance } from 'fastify';
import { type ControlPlaneDeps, taskLogs, type AgentSessions } from '../control-plane/index.js';
import { asBerthError, type ErrorKind } from '../kernel/index.js';

const STATUS: Partial<Record<ErrorKind, number>> = {
  NotFound: 404,
  InvalidParameter: 400,
  Unavailable: 503,
  AccessDenied: 403,
};

const num = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw Object.assign(new Error(`${name} must be a non-negative number`), { field: name });
  return n;
};

/**
 * GET /_berth/v1/clusters/:cluster/tasks/:task/logs — a task container's stdout/stderr with
 * timestamps, read from its agent (`berth logs` uses it). Query: container, startTime and endTime
 * (ms since the epoch), limit, tail (the last N lines), region (for a task id that is not an ARN).
 */
export function mountLogsEndpoint(
  app: FastifyInstance,
  /** A region's control plane (the default region's without a name); undefined for no region. */
  regionDeps: (name?: string) => ControlPlaneDeps | undefined,
  sessions: AgentSessions,
  open: boolean,
): void {
  app.get<{ Params: { cluster: string; task: string }; Querystring: Record<string, string | undefined> }>(
    '/_berth/v1/clusters/:cluster/tasks/:task/logs',
    async (req, reply) => {
      if (!open) {
        return reply.code(403).send({
          error: 'AccessDenied',
          message: 'task logs over /_berth are only served with --auth open',
        });
      }
      try {
        const q = req.query;
        const tail = num(q.tail, 'tail');
        const limit = tail ?? num(q.limit, 'limit');
        const startTime = num(q.startTime, 'startTime');
        const endTime = num(q.endTime, 'endTime');
        // A task ARN names its region; a bare id is looked for in `?region=` (else the default).
        const task = req.params.task;
        const region = task.startsWith('arn:') ? task.split(':')[3] : q.region;
        const deps = regionDeps(region);
        if (!deps) return reply.code(400).send({ error: 'InvalidParameter', message: `'${region}' is not a region` });
        return await taskLogs(deps, sessions, {
          cluster: req.params.cluster,
          task: req.params.task,
          ...(q.container ? { container: q.container } : {}),
          ...(startTime !== undefined ? { startTime } : {}),
          ...(endTime !== undefined ? { endTime } : {}),
          ...(limit !== undefined ? { limit: Math.min(limit, 10_000) } : { limit: 10_000 }),
          ...(tail !== undefined ? { fromEnd: true } : {}),
        });
      } catch (e) {
        if (e instanceof Error && 'field' in e)
          return reply.code(400).send({ error: 'InvalidParameter', message: e.message });
        const b = asBerthError(e);
        return reply.code(STATUS[b.kind] ?? 500).send({ error: b.kind, message: b.message });
      }
    },
  );
}
