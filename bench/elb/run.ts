/**
 * bench/elb: requests through berth's load balancer data plane beside the same requests sent to
 * the target directly and through Debian's HAProxy (one thread, as berth's proxy is one Node
 * thread), in one run. The target is a small Node HTTP server in a process of its own.
 *  1. Capacity: wrk, 64 keep-alive connections, GET of a 2-byte body: requests/s, p50, p99.
 *  2. Added latency at half of berth's capacity: a fixed-rate client (64 keep-alive sockets)
 *     measures each request; p50/p99 through berth and HAProxy minus the direct ones.
 * Needs wrk and haproxy (apt-get install wrk haproxy). Run: npm run bench:elb
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { awsCli, startBerth } from '../../test/e2e/harness.js';

const run = promisify(execFile);
const SECONDS = Number(process.env['SECONDS_PER_RUN'] ?? 8);
const CONNECTIONS = 64;

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

async function wrk(url: string): Promise<Result> {
  const { stdout } = await run('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', url]);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} failed responses at ${url}:\n${stdout}`);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p50: latency(stdout, '50'),
    p99: latency(stdout, '99'),
  };
}

/** Requests at a fixed rate for `seconds`, each timed: p50 and p99 in ms. */
async function fixedRate(
  url: string,
  rate: number,
  seconds = SECONDS,
): Promise<{ p50: number; p99: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const times: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.floor(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      new Promise<void>((resolve) => {
        const t0 = performance.now();
        http
          .get(url, { agent }, (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === 200) times.push(performance.now() - t0);
              else errors++;
              resolve();
            });
          })
          .on('error', () => {
            errors++;
            resolve();
          });
      }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), errors };
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

async function main() {
  await run('wrk', ['--version']).catch((e: { code?: string }) => {
    if (e.code === 'ENOENT') throw new Error('bench/elb needs wrk: apt-get install wrk');
  });
  await run('haproxy', ['-v']).catch(() => {
    throw new Error('bench/elb needs haproxy: apt-get install haproxy');
  });
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-elb-'));
  const targetPort = 18_000 + Math.floor(Math.random() * 1000);
  const haPort = targetPort + 1000;
  const children: ChildProcess[] = [];
  const hostsFile = join(dir, 'hosts');
  const berth = await startBerth({ args: ['--no-agent', '--elb-hosts-file', hostsFile] });
  try {
    const target = `http://127.0.0.1:${targetPort}/`;
    children.push(
      await spawnReady(
        process.execPath,
        ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${targetPort}, '127.0.0.1')`],
        answers(target),
      ),
    );
    const aws = async (args: string[]) => {
      const r = await awsCli(berth.endpoint, args);
      if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout || '{}');
    };
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
    const listenerAddress = line?.split('\t')[0];
    if (!listenerAddress) throw new Error(`${lb.DNSName as string} is not in ${hostsFile}`);
    const viaBerth = `http://${listenerAddress}/`;
    for (let i = 0; i < 50 && !(await answers(viaBerth)()); i++) await new Promise((r) => setTimeout(r, 100));

    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      [
        'global',
        '  nbthread 1',
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
        '  http-reuse always',
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
    console.log(`  target directly        ${fmt(direct)}`);
    const ha = await wrk(viaHaproxy);
    console.log(`  HAProxy (1 thread)     ${fmt(ha)}`);
    const ours = await wrk(viaBerth);
    console.log(`  berth data plane       ${fmt(ours)}`);
    console.log(`  ratio berth / HAProxy requests/s: ${(ours.rps / ha.rps).toFixed(2)} (target >= 0.8)`);

    const rate = Math.floor(ours.rps / 2);
    const d = await fixedRate(target, rate);
    const h = await fixedRate(viaHaproxy, rate);
    const b = await fixedRate(viaBerth, rate);
    console.log(
      `added latency at ${rate} req/s (half of berth's capacity), over the direct p50 ${d.p50.toFixed(2)} / p99 ${d.p99.toFixed(2)} ms:`,
    );
    console.log(
      `  HAProxy  p50 +${(h.p50 - d.p50).toFixed(2)} ms  p99 +${(h.p99 - d.p99).toFixed(2)} ms  (errors ${h.errors})`,
    );
    console.log(
      `  berth    p50 +${(b.p50 - d.p50).toFixed(2)} ms  p99 +${(b.p99 - d.p99).toFixed(2)} ms  (errors ${b.errors}; target p99 added < 1 ms)`,
    );
  } finally {
    for (const c of children) c.kill();
    await berth.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
