import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SECONDS = Number(process.env['SECONDS_PER_RUN'] ?? 8);
export const CONNECTIONS = 50;

export interface Result {
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

export async function wrk(
  dir: string,
  url: string,
  headers: Record<string, string>,
  body: string,
  seconds = SECONDS,
  /** A CPU to hold wrk to (taskset), away from the server's own. */
  cpu?: number,
): Promise<Result> {
  const script = join(dir, `req-${Math.random().toString(36).slice(2)}.lua`);
  const lua = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(body)}`,
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
  ].join('\n');
  writeFileSync(script, lua);
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, url];
  const { stdout } = await (cpu === undefined ? run('wrk', args) : run('taskset', ['-c', String(cpu), 'wrk', ...args]));
  return wrkResult(stdout);
}

/** wrk's report as requests/s, p50 and p99; a failed response fails the run. */
export function wrkResult(stdout: string): Result {
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} failed responses:\n${stdout}`);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p50: latency(stdout, '50'),
    p99: latency(stdout, '99'),
  };
}

/** Fails early, naming the package, when wrk is not installed. */
export async function needWrk(bench: string): Promise<void> {
  await run('wrk', ['--version']).catch((e: { code?: string }) => {
    if (e.code === 'ENOENT') throw new Error(`${bench} needs wrk: apt-get install wrk`);
  });
}
