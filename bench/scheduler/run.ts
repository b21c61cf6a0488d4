/**
 * bench/scheduler: the pure placement stack over 5,000 simulated instances with mixed attributes,
 * 50,000 placements through spread (zone) + binpack (memory) + memberOf; prints placements/s and
 * the p99 latency of one RunTask-sized decision (count 10). Then end to end through the ECS API:
 * RunTask(count=10) into a berth whose instances are held by minimal agents, printing persisted
 * tasks/s. STORE=etcd runs the end-to-end part again against three servers over a three-member
 * etcd cluster (agents and calls spread over the servers) and prints the ratios to SQLite's.
 * Run: npm run bench:scheduler (INSTANCES=1000 STORE=etcd ONLY=e2e for the comparison)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { ECSClient, RegisterTaskDefinitionCommand, CreateClusterCommand } from '@aws-sdk/client-ecs';
import { parseQuery } from '../../src/scheduler/query/parse.js';
import { Fleet, placeTasks } from '../../src/scheduler/stack.js';
import type { InstanceView, TaskRequest } from '../../src/scheduler/types.js';
import { startEtcdCluster } from '../../test/e2e/etcd.js';
import { startBerth, testCredentials } from '../../test/e2e/harness.js';
import { ecsCall } from '../light-ecs.js';

let seed = 7;
const rng = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

function fleet(n: number): InstanceView[] {
  return Array.from({ length: n }, (_, i) => ({
    arn: `arn:aws:ecs:us-east-1:000000000000:container-instance/bench/${i}`,
    id: String(i),
    status: 'ACTIVE',
    agentConnected: true,
    registeredAt: 0,
    attributes: {
      'ecs.availability-zone': `az-${i % 3}`,
      'ecs.instance-type': i % 5 === 0 ? 'c5.large' : 'm5.xlarge',
      stack: i % 2 ? 'blue' : 'green',
    },
    remaining: { cpu: 4096, memory: 16384, gpus: 0 },
    usedPorts: [],
    taskGroups: {},
    runningTasksCount: 0,
  }));
}

/** CPU seconds the berth process has used (user + system), from /proc; 0 when unknown. */
function berthCpu(berth: object): number {
  const pid = 'child' in berth ? (berth.child as { pid?: number }).pid : undefined;
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const benchTask: TaskRequest = {
  cpu: 128,
  memory: 256,
  gpus: 0,
  ports: [],
  group: 'family:bench',
  requiredAttributes: [],
  constraints: [
    {
      type: 'memberOf',
      expression: parseQuery('attribute:ecs.instance-type =~ m5.* and attribute:stack in [blue, green]'),
    },
  ],
  strategies: [
    { type: 'spread', field: 'attribute:ecs.availability-zone' },
    { type: 'binpack', field: 'memory' },
  ],
};

/**
 * 50,000 placements in RunTask-sized decisions (count 10). `kept`: one Fleet across decisions,
 * each plan committed into it as the applier would; otherwise every decision starts from a plain
 * snapshot array (what a caller without a kept fleet pays: the static pass over every instance).
 */
function pure(kept: boolean): void {
  const task = benchTask;
  const applied = new Fleet(fleet(5000));
  const latencies: number[] = [];
  let placed = 0;
  const t0 = performance.now();
  while (placed < 50_000) {
    const t = performance.now();
    const plan = placeTasks(kept ? applied : applied.views, task, 10, rng);
    latencies.push(performance.now() - t);
    if (plan.placements.length === 0) throw new Error('the fleet is full');
    applied.commit(plan, task);
    placed += plan.placements.length;
  }
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `scheduler alone (${kept ? 'fleet kept across decisions' : 'fresh snapshot per decision'}): 5000 instances, ${placed} placements in ${secs.toFixed(2)} s = ${(placed / secs).toFixed(0)} placements/s; decision (count 10) p50 ${pct(latencies, 50).toFixed(2)} ms, p99 ${pct(latencies, 99).toFixed(2)} ms`,
  );
}

interface Target {
  label: string;
  /** Every server's endpoint: agents and calls are spread over them. */
  endpoints: string[];
  /** The server processes (their CPU is counted). */
  procs: object[];
}

async function endToEnd({ label, endpoints, procs }: Target): Promise<{ rate: number; p99: number }> {
  const berth = { endpoint: endpoints[0] as string };
  let next = 0;
  const anyServer = () => endpoints[next++ % endpoints.length] as string;
  const cpuOf = () => procs.reduce((n: number, p) => n + berthCpu(p), 0);
  console.log(`-- ${label}`);
  const sockets: WebSocket[] = [];
  try {
    const ecs = new ECSClient({
      endpoint: berth.endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
      maxAttempts: 1,
    });
    await ecs.send(new CreateClusterCommand({ clusterName: 'bench' }));
    // Minimal agents: they hold INSTANCES (50) instances connected and acknowledge nothing, so only
    // the control plane is measured.
    const INSTANCES = Number(process.env.INSTANCES ?? 50);
    for (let i = 0; i < INSTANCES; i++) {
      const ws = new WebSocket(`${anyServer().replace('http', 'ws')}/agent/v1`);
      await new Promise((r) => ws.once('open', r));
      ws.send(
        JSON.stringify({
          type: 'hello',
          cluster: 'bench',
          agentVersion: 'bench',
          resources: { cpu: 1_000_000, memory: 10_000_000, ports: [], gpus: 0 },
          attributes: [{ name: 'ecs.availability-zone', value: `az-${i % 3}` }],
        }),
      );
      sockets.push(ws);
    }
    await new Promise((r) => setTimeout(r, 500));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'bench',
        networkMode: 'none',
        containerDefinitions: [{ name: 'c', image: 'busybox', memory: 16, cpu: 1 }],
      }),
    );
    const failures = new Map<string, number>();
    // A light client: the AWS SDK's own CPU would otherwise share the two cores with berth.
    const body = {
      cluster: 'bench',
      taskDefinition: 'bench',
      count: 10,
      placementStrategy: [
        { type: 'spread', field: 'attribute:ecs.availability-zone' },
        { type: 'binpack', field: 'memory' },
      ],
    };
    const runTask = async () => {
      const t = performance.now();
      const r = await ecsCall<{ tasks?: unknown[]; failures?: { reason?: string }[] }>(anyServer(), 'RunTask', body);
      if (r.failures?.length)
        failures.set(r.failures[0]?.reason ?? '?', (failures.get(r.failures[0]?.reason ?? '?') ?? 0) + 1);
      return { ms: performance.now() - t, tasks: r.tasks?.length ?? 0 };
    };
    // Throughput: CONCURRENCY clients calling back to back.
    const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
    const CALLS = Number(process.env.CALLS ?? 400);
    let tasks = 0;
    let issued = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (issued++ < CALLS) {
          const r = await runTask();
          tasks += r.tasks;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    console.log(
      `end to end over ${INSTANCES} instances: ${tasks} tasks persisted by ${CALLS} RunTask(count=10) calls from ${CONCURRENCY} clients in ${secs.toFixed(2)} s = ${(tasks / secs).toFixed(0)} tasks/s`,
    );
    if (failures.size) console.log('placement failures:', Object.fromEntries(failures));
    // Latency under a steady 200 calls/s, for PACED_SECONDS (2) seconds, once what the burst left
    // (the store's checkpoint of its writes, the agents' messages) has been dealt with.
    await new Promise((r) => setTimeout(r, 2000));
    const latencies: number[] = [];
    const paced: Promise<void>[] = [];
    const start = performance.now();
    const pacedCalls = 200 * Number(process.env.PACED_SECONDS ?? 2);
    const cpuBefore = { bench: process.cpuUsage(), berth: cpuOf() };
    for (let i = 0; i < pacedCalls; i++) {
      const due = start + i * 5;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      paced.push(runTask().then((r) => void latencies.push(r.ms)));
    }
    await Promise.all(paced);
    latencies.sort((a, b) => a - b);
    console.log(
      `RunTask at 200 calls/s over ${INSTANCES} instances: p50 ${pct(latencies, 50).toFixed(1)} ms, p90 ${pct(latencies, 90).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms (${pacedCalls} calls offered over ${((performance.now() - start) / 1000).toFixed(1)} s)`,
    );
    const wall = (performance.now() - start) / 1000;
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const berthUsed = cpuOf() - cpuBefore.berth;
    console.log(
      `CPU while paced: berth ${((berthUsed / wall) * 100).toFixed(0)}% of a core, this client ${(((benchCpu.user + benchCpu.system) / 1e6 / wall) * 100).toFixed(0)}%`,
    );
    return { rate: tasks / secs, p99: pct(latencies, 99) };
  } finally {
    for (const s of sockets) s.close();
  }
}

/** One berth over SQLite, as `berth up` runs by default (ENDPOINT: one started by hand instead). */
async function onSqlite(): Promise<{ rate: number; p99: number }> {
  if (process.env.ENDPOINT)
    return endToEnd({ label: 'berth at ENDPOINT', endpoints: [process.env.ENDPOINT], procs: [] });
  const berth = await startBerth({ args: ['--no-agent'] });
  try {
    return await endToEnd({ label: 'one berth over SQLite', endpoints: [berth.endpoint], procs: [berth] });
  } finally {
    await berth.dispose();
  }
}

/** Three berth servers over a three-member etcd cluster (Debian's etcd-server), calls spread over them. */
async function onEtcd(): Promise<{ rate: number; p99: number }> {
  const etcd = await startEtcdCluster(3);
  const shared = mkdtempSync(join(tmpdir(), 'berth-bench-shared-'));
  const store = `etcd://${etcd.endpoints.map((e) => new URL(e).host).join(',')}`;
  const servers = [];
  try {
    for (let i = 0; i < 3; i++)
      servers.push(await startBerth({ args: ['--no-agent', '--store', store, '--shared-dir', shared] }));
    return await endToEnd({
      label: 'three berth servers over a three-member etcd cluster',
      endpoints: servers.map((s) => s.endpoint),
      procs: servers,
    });
  } finally {
    for (const s of servers) await s.dispose();
    await etcd.stop();
    rmSync(shared, { recursive: true, force: true });
  }
}

if (process.env.ONLY !== 'e2e') {
  pure(true);
  pure(false);
  console.log('target: over 20000 placement decisions/s');
}
if (process.env.ONLY !== 'pure') {
  const sqlite = await onSqlite();
  console.log('target: over 2000 persisted tasks/s');
  // STORE=etcd: the same run against three servers over etcd, beside SQLite's, as ratios.
  if (process.env.STORE === 'etcd') {
    const etcd = await onEtcd();
    console.log(
      `etcd (3 servers) / SQLite (1): persisted tasks/s ×${(etcd.rate / sqlite.rate).toFixed(2)}, RunTask p99 at 200 calls/s ×${(etcd.p99 / sqlite.p99).toFixed(2)}`,
    );
  }
}
