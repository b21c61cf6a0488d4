/**
 * bench/api: the AWS API under load. DescribeTasks (10 tasks a call) and ListTasks against berth,
 * and a trivial fastify handler in a process of its own on the same machine, each driven by wrk
 * with 50 keep-alive connections; prints requests/s, p50 and p99 and berth's ratio to the trivial
 * handler. Needs Debian's wrk (apt-get install wrk). Run: npm run bench:api
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { startBerth } from '../../test/e2e/harness.js';
import { openModeHeaders } from '../light-ecs.js';
import { benchCluster } from './fixture.js';
import { wrk, CONNECTIONS, needWrk, SECONDS, type Result } from './wrk.js';

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
  await needWrk('bench/api');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-api-'));
  const berth = await startBerth({ args: ['--no-agent'] });
  const trivial = await startTrivial();
  let agent: WebSocket | undefined;
  try {
    const call = async (op: string, body: object) => {
      const res = await fetch(berth.endpoint, {
        method: 'POST',
        headers: openModeHeaders(op),
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${op}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const placed = await benchCluster(berth.endpoint, call);
    agent = placed.agent;
    const arns = placed.arns;
    const describe = JSON.stringify({ cluster: 'bench', tasks: arns.slice(0, 10) });
    const list = JSON.stringify({ cluster: 'bench', maxResults: 100 });
    // A first pass of each warms the JIT and the task cache; the second is the one reported.
    const measure = async (url: string, h: Record<string, string>, body: string) => {
      await wrk(dir, url, h, body, 3);
      return wrk(dir, url, h, body);
    };
    const t = await measure(trivial.url, openModeHeaders('DescribeTasks'), describe);
    const d = await measure(berth.endpoint, openModeHeaders('DescribeTasks'), describe);
    const l = await measure(berth.endpoint, openModeHeaders('ListTasks'), list);
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
