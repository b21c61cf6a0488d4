/**
 * bench/api: the AWS API under load. DescribeTasks (10 tasks a call) and ListTasks against berth,
 * and a trivial fastify handler in a process of its own on the same machine, each driven by wrk
 * with 50 keep-alive connections; prints requests/s, p50 and p99 and berth's ratio to the trivial
 * handler. Needs Debian's wrk (apt-get install wrk). Run: npm run bench:api
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { startBerth } from '../../test/e2e/harness.js';

const run = promisify(execFile);
const SECONDS = Number(process.env['SECONDS_PER_RUN'] ?? 8);
const CONNECTIONS = 50;

const signedHeaders = (target: string) => ({
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': target,
  'x-amz-date': '20260101T000000Z',
  // SigV4's shape, which open mode requires and does not verify.
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/ecs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
});

interface Result {
  rps: number;
  p50: number;
  p99: number;
}

/** wrk's latency figures ("50%  1.23ms") in milliseconds. */
function latency(out: string, pct: string): number {
  const m = new RegExp(`\\s${pct}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

async function wrk(
  dir: string,
  url: string,
  headers: Record<string, string>,
  body: string,
  seconds = SECONDS,
): Promise<Result> {
  const script = join(dir, `req-${Math.random().toString(36).slice(2)}.lua`);
  const lua = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(body)}`,
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
  ].join('\n');
  writeFileSync(script, lua);
  const { stdout } = await run('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, url]);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} failed responses:\n${stdout}`);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p50: latency(stdout, '50'),
    p99: latency(stdout, '99'),
  };
}

/** The peer: a fastify that answers every POST / with a fixed small JSON body, in its own process. */
async function startTrivial(): Promise<{ url: string; stop(): void }> {
  const code = `
    const app = require('fastify')();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, done) => done(null, b));
    app.post('/', async () => ({ tasks: [], failures: [] }));
    app.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('port ' + app.server.address().port));
  `;
  const child = spawn(process.execPath, ['-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m) resolve(m[1] as string);
    }),
  );
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

async function main() {
  await run('wrk', ['--version']).catch((e: { code?: string; stdout?: string }) => {
    if (e.code === 'ENOENT') throw new Error('bench/api needs wrk: apt-get install wrk');
  });
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-api-'));
  const berth = await startBerth({ args: ['--no-agent'] });
  const trivial = await startTrivial();
  let agent: WebSocket | undefined;
  try {
    const call = async (op: string, body: object) => {
      const res = await fetch(berth.endpoint, {
        method: 'POST',
        headers: signedHeaders(`AmazonEC2ContainerServiceV20141113.${op}`),
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${op}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    await call('CreateCluster', { clusterName: 'bench' });
    // One minimal agent holds an instance: tasks are placed and stay PENDING, never started.
    const ws = (agent = new WebSocket(`${berth.endpoint.replace('http', 'ws')}/agent/v1`));
    await new Promise((r) => ws.once('open', r));
    ws.send(
      JSON.stringify({
        type: 'hello',
        cluster: 'bench',
        agentVersion: 'bench',
        resources: { cpu: 1_000_000, memory: 10_000_000, ports: [], gpus: 0 },
        attributes: [],
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    await call('RegisterTaskDefinition', {
      family: 'bench',
      networkMode: 'none',
      containerDefinitions: [{ name: 'c', image: 'busybox', memory: 16, cpu: 1 }],
    });
    const arns: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = (await call('RunTask', { cluster: 'bench', taskDefinition: 'bench', count: 10 })) as {
        tasks: { taskArn: string }[];
      };
      arns.push(...r.tasks.map((t) => t.taskArn));
    }
    if (arns.length !== 100) throw new Error(`placed ${arns.length} tasks, not 100`);
    const describe = JSON.stringify({ cluster: 'bench', tasks: arns.slice(0, 10) });
    const list = JSON.stringify({ cluster: 'bench', maxResults: 100 });
    // A first pass of each warms the JIT and the task cache; the second is the one reported.
    const measure = async (url: string, h: Record<string, string>, body: string) => {
      await wrk(dir, url, h, body, 3);
      return wrk(dir, url, h, body);
    };
    const t = await measure(trivial.url, signedHeaders('X.Y'), describe);
    const d = await measure(
      berth.endpoint,
      signedHeaders('AmazonEC2ContainerServiceV20141113.DescribeTasks'),
      describe,
    );
    const l = await measure(berth.endpoint, signedHeaders('AmazonEC2ContainerServiceV20141113.ListTasks'), list);
    const row = (name: string, r: Result) =>
      console.log(
        `${name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   ratio to trivial ${(r.rps / t.rps).toFixed(2)}`,
      );
    console.log(`${CONNECTIONS} keep-alive connections, ${SECONDS} s each (wrk -t2), 100 tasks in the cluster`);
    row('trivial fastify handler', t);
    row('berth DescribeTasks (10 tasks)', d);
    row('berth ListTasks (100 tasks)', l);
  } finally {
    agent?.close();
    trivial.stop();
    await berth.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
