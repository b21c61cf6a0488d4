import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../kernel/logger.js';
import type { ServerMessage, ServiceRoutes, WorkloadSpec } from '../wire/index.js';
import { AgentSession } from './agent-gateway.js';
import { createCluster } from './clusters.js';
import type { ForeignWorkloads, WorkloadReport } from './foreign-workloads.js';
import { testControlPlaneDeps } from './test-deps.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

/** A face with workloads of its own: a map of host → specs, and the reports it was handed. */
function twinFace() {
  const specs = new Map<string, WorkloadSpec[]>();
  const listeners = new Set<(h: string) => void>();
  const reports: [string, WorkloadReport][] = [];
  const face: ForeignWorkloads = {
    forHost: (h) => specs.get(h.id) ?? [],
    watch: (l) => (listeners.add(l), () => listeners.delete(l)),
    owns: (id) => [...specs.values()].flat().some((w) => w.id === id),
    report: async (h, r) => void reports.push([h.id, r]),
  };
  const set = (host: string, list: WorkloadSpec[]) => {
    specs.set(host, list);
    for (const l of listeners) l(host);
  };
  return { face, set, reports, listeners };
}

const spec = (id: string, desired: 'running' | 'stopped' = 'running'): WorkloadSpec => ({
  id,
  ref: `pod/default/${id.slice(0, 4)}`,
  desired,
  sandbox: { hostname: 'p', network: { mode: 'own' }, volumes: [], platformEnv: {} },
  containers: [],
});

/** A session of the cluster `default`'s host, the face given, after its hello: what it was sent, and it. */
async function connected(face: ForeignWorkloads) {
  const deps = { ...testControlPlaneDeps(), foreign: face };
  await createCluster(deps, { clusterName: 'default' });
  const sent: ServerMessage[] = [];
  const session = new AgentSession(
    deps,
    { send: (m) => sent.push(m), close: () => undefined },
    { logger: createLogger('silent') },
  );
  await session.onMessage(
    JSON.stringify({
      type: 'hello',
      cluster: 'default',
      agentVersion: '0.1.0',
      resources: { cpu: 1024, memory: 1024, ports: [] },
      attributes: [],
    }),
  );
  return { sent, session };
}

describe('agent gateway: another face’s workloads', () => {
  it('sends a host the face’s workloads with its tasks, then their changes, and hands the face their reports', async () => {
    const twin = twinFace();
    const { sent, session } = await connected(twin.face);
    const welcome = sent.shift() as Extract<ServerMessage, { type: 'welcome' }>;
    const host = welcome.containerInstanceId;
    assert.deepEqual(sent.shift(), { type: 'desired', seq: 1, tasks: [] });
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    twin.set(host, [spec(a)]);
    twin.set('elsewhere', [spec(b)]);
    await tick();
    assert.deepEqual(sent.shift(), { type: 'desired-delta', seq: 2, tasks: [spec(a)], removed: [] });
    assert.equal(sent.length, 0, 'another host’s change sends nothing here');
    twin.set(host, [spec(a)]);
    await tick();
    assert.equal(sent.length, 0, 'an unchanged set sends nothing');
    twin.set(host, [spec(a, 'stopped')]);
    await tick();
    assert.deepEqual(sent.shift(), { type: 'desired-delta', seq: 3, tasks: [spec(a, 'stopped')], removed: [] });
    await session.onMessage(JSON.stringify({ type: 'task-state', taskId: a, phase: 'stopped', containers: [] }));
    assert.deepEqual(twin.reports, [[host, { taskId: a, phase: 'stopped', containers: [] }]]);
    twin.set(host, []);
    await tick();
    assert.deepEqual(sent.shift(), { type: 'desired-delta', seq: 4, tasks: [], removed: [a] });
    await session.onClose();
    assert.equal(twin.listeners.size, 0, 'the session stops listening when it ends');
  });

  it('sends a host the face’s routes once it is one of the face’s hosts, and again only when they change', async () => {
    const twin = twinFace();
    let nodes = new Set<string>();
    let routes: ServiceRoutes = {
      virtual: [],
      hostPorts: [],
      dns: { ip: '10.96.0.10', zone: 'cluster.local', records: [] },
    };
    const routeListeners = new Set<() => void>();
    const face: ForeignWorkloads = {
      ...twin.face,
      routes: (h) => (nodes.has(h.id) ? routes : undefined),
      watchRoutes: (l) => (routeListeners.add(l), () => routeListeners.delete(l)),
    };
    const { sent, session } = await connected(face);
    const host = (sent[0] as Extract<ServerMessage, { type: 'welcome' }>).containerInstanceId;
    const routed = () => sent.filter((m) => m.type === 'routes');
    assert.deepEqual(routed(), [], 'not a node yet: no routes');
    nodes = new Set([host]);
    twin.set(host, []);
    await tick();
    assert.deepEqual(routed(), [{ type: 'routes', routes }]);
    for (const l of routeListeners) l();
    await tick();
    assert.equal(routed().length, 1, 'unchanged routes are not sent again');
    routes = { ...routes, virtual: [{ ip: '10.96.1.1', port: 80, protocol: 'tcp', backends: [] }] };
    for (const l of routeListeners) l();
    await tick();
    assert.deepEqual(routed().at(-1), { type: 'routes', routes });
    await session.onClose();
    assert.equal(routeListeners.size, 0, 'the session stops listening to routes when it ends');
  });
});
