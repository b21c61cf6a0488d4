import type { FastifyReply, FastifyRequest } from 'fastify';
import { BerthError, invalidParameter } from '../kernel/index.js';
import {
  getObject,
  metaOf,
  workloadIdOf,
  type KubeDeps,
  type PodHosts,
  type PodLogSource,
  type Scope,
} from '../kube/index.js';
import { queryFlag } from './query.js';

const bad = (message: string) => invalidParameter(message, { reason: 'malformed' });
const FOLLOW_POLL_MS = 1000;

/**
 * `pods/<name>/log` (kubectl logs): a container's output read from the agent of the pod's node,
 * as text; `tailLines`, `sinceSeconds`, `timestamps`, and `follow`, which reads on every second
 * until the pod has finished or gone, or the client leaves.
 */
export async function podLog(
  deps: KubeDeps,
  scope: Scope,
  name: string,
  hosts: PodHosts,
  source: PodLogSource,
  req: FastifyRequest,
  reply: FastifyReply,
  q: URLSearchParams,
  /** The server's open streams (see streamWatch). */
  open?: Set<() => void>,
): Promise<void> {
  const pod = getObject(deps, scope, name);
  const spec = pod['spec'] as { containers: { name: string }[]; initContainers?: { name: string }[] };
  const names = [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name);
  const container = q.get('container') ?? (spec.containers.length === 1 ? spec.containers[0]?.name : undefined);
  if (!container)
    throw bad(
      `a container name must be specified for pod ${name}, choose one of: [${spec.containers.map((c) => c.name).join(' ')}]`,
    );
  if (!names.includes(container)) throw bad(`container ${container} is not valid for pod ${name}`);
  if (queryFlag(q, 'previous'))
    throw new BerthError('NotImplemented', 'previous container logs are not implemented in berth yet', {
      reason: 'method-not-allowed',
    });
  const { hostId } = hosts.nodeOf(pod);
  if (!hostId) throw bad(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
  const tail = q.get('tailLines');
  if (tail !== null && !/^\d{1,9}$/.test(tail)) throw bad(`tailLines: Invalid value: "${tail}"`);
  const since = q.get('sinceSeconds');
  if (since !== null && !/^\d{1,9}$/.test(since)) throw bad(`sinceSeconds: Invalid value: "${since}"`);
  const stamps = queryFlag(q, 'timestamps');
  const line = (e: { timestamp: number; message: string }) =>
    `${stamps ? `${new Date(e.timestamp).toISOString()} ` : ''}${e.message}\n`;
  const id = workloadIdOf(pod);
  const first = await source.read(hostId, id, container, {
    ...(tail !== null ? { limit: Number(tail), fromEnd: true } : {}),
    ...(since !== null ? { startTime: deps.clock.now().getTime() - Number(since) * 1000 } : {}),
  });
  if (!queryFlag(q, 'follow')) {
    return void reply.code(200).header('content-type', 'text/plain').send(first.map(line).join(''));
  }
  reply.hijack();
  const res = reply.raw;
  req.raw.socket.setTimeout(0);
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private' });
  let gone = false;
  res.once('close', () => (gone = true));
  // The server stopping ends the stream, as the client leaving does.
  const stop = () => (gone = true);
  open?.add(stop);
  let last = 0;
  const send = (events: { timestamp: number; message: string }[]) => {
    for (const e of events) {
      res.write(line(e));
      last = Math.max(last, e.timestamp);
    }
  };
  send(first);
  while (!gone) {
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    let now;
    try {
      now = getObject(deps, scope, name);
    } catch {
      break;
    }
    if (metaOf(now).uid !== metaOf(pod).uid) break;
    try {
      send(await source.read(hostId, id, container, { startTime: last + 1 }));
    } catch {
      break;
    }
    const phase = (now['status'] as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') break;
  }
  open?.delete(stop);
  res.end();
}
