/**
 * bench/elb: requests through a berth load balancer's listener beside the same requests sent to
 * the target directly and through Debian's HAProxy configured by hand, in one run; berth once with
 * each engine (`--elb-engine haproxy`, the default, and `node`, its own proxy). The target is a
 * small Node HTTP server in a process of its own.
 *  1. Capacity: wrk, 64 keep-alive connections, GET of a 2-byte body: requests/s, p50, p99.
 *  2. Added latency under a light load: wrk with 4 connections straight to the target and
 *     through each path; p50/p99 through each minus the direct ones.
 * Needs wrk and haproxy (apt-get install wrk haproxy). Run: npm run bench:elb
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { awsCli, startBerth } from '../../test/e2e/harness.js';
import { needWrk, wrkResult, type Result } from '../api/wrk.js';

const run = promisify(execFile);
const SECONDS = Number(process.env['SECONDS_PER_RUN'] ?? 8);
const CONNECTIONS = 64;
const LIGHT_CONNECTIONS = 4;

async function wrk(url: string, connections = CONNECTIONS): Promise<Result> {
  const threads = Math.min(2, connections);
  return wrkResult((await run('wrk', [`-t${threads}`, `-c${connections}`, `-d${SECONDS}s`, '--latency', url])).stdout);
}

async function spawnReady(cmd: string, args: string[], ready: () => Promise<boolean>): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    if (await ready()) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${cmd} did not come up`);
}

const answers = (url: string) => async () => (await fetch(url).catch(() => undefined))?.ok === true;

/** A berth with one load balancer in front of the target; its listener's URL. */
async function berthListener(engine: string, targetPort: number, dir: string) {
  const hostsFile = join(dir, `hosts-${engine}`);
  const berth = await startBerth({ args: ['--no-agent', '--elb-hosts-file', hostsFile, '--elb-engine', engine] });
  const aws = async (args: string[]) => {
    const r = await awsCli(berth.endpoint, args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout || '{}');
  };
  try {
    const lb = (await aws(['elbv2', 'create-load-balancer', '--name', 'bench'])).LoadBalancers[0];
    const tg = (
      await aws([
        'elbv2',
        'create-target-group',
        '--name',
        'bench',
        '--protocol',
        'HTTP',
        '--port',
        String(targetPort),
        '--target-type',
        'ip',
      ])
    ).TargetGroups[0].TargetGroupArn as string;
    await aws(['elbv2', 'register-targets', '--target-group-arn', tg, '--targets', 'Id=127.0.0.1']);
    await aws([
      'elbv2',
      'create-listener',
      '--load-balancer-arn',
      lb.LoadBalancerArn,
      '--protocol',
      'HTTP',
      '--port',
      '80',
      '--default-actions',
      `Type=forward,TargetGroupArn=${tg}`,
    ]);
    await aws(['elbv2', 'wait', 'target-in-service', '--target-group-arn', tg]);
    // The load balancer's own address, as the hosts file berth keeps names it.
    const line = readFileSync(hostsFile, 'utf8')
      .split('\n')
      .find((l) => l.endsWith(`\t${lb.DNSName as string}`));
    const address = line?.split('\t')[0];
    if (!address) throw new Error(`${lb.DNSName as string} is not in ${hostsFile}`);
    const url = `http://${address}/`;
    for (let i = 0; i < 50 && !(await answers(url)()); i++) await new Promise((r) => setTimeout(r, 100));
    return { url, stop: () => berth.stop() };
  } catch (e) {
    await berth.stop();
    throw e;
  }
}

async function main() {
  await needWrk('bench/elb');
  await run('haproxy', ['-v']).catch(() => {
    throw new Error('bench/elb needs haproxy: apt-get install haproxy');
  });
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-elb-'));
  const targetPort = 18_000 + Math.floor(Math.random() * 1000);
  const haPort = targetPort + 1000;
  const children: ChildProcess[] = [];
  try {
    const target = `http://127.0.0.1:${targetPort}/`;
    children.push(
      await spawnReady(
        process.execPath,
        ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${targetPort}, '127.0.0.1')`],
        answers(target),
      ),
    );
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      [
        'global',
        '  maxconn 4000',
        'defaults',
        '  mode http',
        '  timeout connect 5s',
        '  timeout client 60s',
        '  timeout server 60s',
        '  option http-keep-alive',
        'frontend f',
        `  bind 127.0.0.1:${haPort}`,
        '  default_backend b',
        'backend b',
        '  http-reuse safe',
        `  server t 127.0.0.1:${targetPort}`,
        '',
      ].join('\n'),
    );
    const viaHaproxy = `http://127.0.0.1:${haPort}/`;
    children.push(await spawnReady('haproxy', ['-f', cfg, '-db'], answers(viaHaproxy)));

    const fmt = (r: Result) =>
      `${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`;
    console.log(`bench/elb: wrk -c${CONNECTIONS} -d${SECONDS}s, GET of a 2-byte body, this machine`);
    const direct = await wrk(target);
    console.log(`  target directly             ${fmt(direct)}`);
    const ha = await wrk(viaHaproxy);
    console.log(`  HAProxy by hand             ${fmt(ha)}`);
    const results: [string, Result, string][] = [];
    for (const engine of ['haproxy', 'node']) {
      const b = await berthListener(engine, targetPort, dir);
      try {
        const r = await wrk(b.url);
        console.log(
          `  berth, --elb-engine ${engine.padEnd(7)} ${fmt(r)}  (${(r.rps / ha.rps).toFixed(2)} of HAProxy; goal >= 0.8)`,
        );
        results.push([engine, r, b.url]);
      } finally {
        await b.stop();
      }
    }
    // Added latency under a lighter load: the same few connections straight to the target and
    // through each (wrk keeps each connection busy, so the load is what the path allows).
    const light = LIGHT_CONNECTIONS;
    const d = await wrk(target, light);
    const h = await wrk(viaHaproxy, light);
    const added = (name: string, r: Result) =>
      console.log(
        `  ${name.padEnd(26)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 +${(r.p50 - d.p50).toFixed(2)} ms  p99 +${(r.p99 - d.p99).toFixed(2)} ms`,
      );
    console.log(
      `added latency with ${light} connections, over the direct ${d.rps.toFixed(0)} req/s p50 ${d.p50.toFixed(2)} / p99 ${d.p99.toFixed(2)} ms (goal: p99 added < 1 ms):`,
    );
    added('HAProxy by hand', h);
    for (const engine of ['haproxy', 'node']) {
      const b = await berthListener(engine, targetPort, dir);
      try {
        added(`berth, --elb-engine ${engine}`, await wrk(b.url, light));
      } finally {
        await b.stop();
      }
    }
  } finally {
    for (const c of children) c.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
