import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const berthBin = join(root, 'bin', 'berth');
const execFileP = promisify(execFile);

export interface BerthProcess {
  endpoint: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stop (if running) and remove the data dir. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  args?: string[];
  dataDir?: string;
  /** Keep the data dir on dispose (for restart tests that own it). */
  keepDataDir?: boolean;
}

/** A real `berth up` on a free port with a temp data dir, as every end-to-end test uses it. */
export async function startBerth(options: StartOptions = {}): Promise<BerthProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  const child = spawn(
    process.execPath,
    [
      // BERTH_NODE_ARGS lets a bench run berth under a profiler (e.g. --cpu-prof).
      ...(process.env['BERTH_NODE_ARGS']?.split(' ').filter(Boolean) ?? []),
      berthBin,
      'up',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      ...(options.args ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`berth did not start within 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`berth exited with ${code} before it was ready:\n${out}`));
    });
  });
  let stopped: Promise<number | null> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!stopped) {
      if (!child.killed && child.exitCode === null && child.signalCode === null) child.kill(signal);
      stopped = exited;
    }
    return stopped;
  };
  return {
    endpoint,
    dataDir,
    child,
    output: () => out,
    stop,
    async dispose() {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await stop();
      clearTimeout(timer);
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const testCredentials = { accessKeyId: 'AKIDBERTHTEST', secretAccessKey: 'berth-test-secret' };

/**
 * A query-protocol call (form parameters in, XML out), as older clients send it: SigV4's shape,
 * which open mode requires but does not check. Gives the status and the XML.
 */
export async function queryCall(
  endpoint: string,
  service: string,
  form: URLSearchParams,
): Promise<{ status: number; xml: string }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${testCredentials.accessKeyId}/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      'x-amz-date': '20260101T000000Z',
    },
    body: form.toString(),
  });
  return { status: res.status, xml: await res.text() };
}

/** A data directory whose credentials file holds the test key, for `berth up --auth strict`. */
export function strictDataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(
    join(dir, 'credentials'),
    `[default]\naws_access_key_id = ${testCredentials.accessKeyId}\naws_secret_access_key = ${testCredentials.secretAccessKey}\n`,
  );
  return dir;
}

/** Runs the AWS CLI against berth; resolves with stdout, stderr and the exit code (never throws on non-zero). */
export async function awsCli(
  endpoint: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP('aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
        AWS_MAX_ATTEMPTS: '1',
        ...env,
      },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** The AWS CLI against berth: `aws` must succeed (its JSON parsed), `refused` must fail (its stderr). */
export function awsJson(endpoint: string) {
  const aws = async (args: string[]) => {
    const r = await awsCli(endpoint, args);
    if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout || '{}');
  };
  const refused = async (args: string[]) => {
    const r = await awsCli(endpoint, args);
    if (r.code === 0) throw new Error(`aws ${args.join(' ')} should have been refused`);
    return r.stderr;
  };
  return { aws, refused };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Puts one datum (the CLI's shorthand, e.g. `MetricName=Queue,Value=5,StorageResolution=1`) each
 * second until what `check` answers is what `done` wants, for at most `tries` seconds; gives the
 * last answer. How the tests drive alarms (evaluated every 10 s) with data of their own.
 */
export async function putEachSecondUntil<T>(
  endpoint: string,
  namespace: string,
  datum: string,
  check: () => Promise<T>,
  done: (answer: T) => boolean,
  tries: number,
): Promise<T | undefined> {
  let last: T | undefined;
  for (let i = 0; i < tries; i++) {
    const put = await awsCli(endpoint, [
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      namespace,
      '--metric-data',
      datum,
    ]);
    if (put.code !== 0) throw new Error(`put-metric-data: ${put.stderr}`);
    await sleep(1000);
    last = await check();
    if (done(last)) break;
  }
  return last;
}

/** Puts one datum a second in the background until the returned stop is called (and awaited). */
export function putEverySecond(endpoint: string, namespace: string, datum: string): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await awsCli(endpoint, ['cloudwatch', 'put-metric-data', '--namespace', namespace, '--metric-data', datum]);
      await sleep(1000);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** A `berth agent` process joining a cluster, as a separate host would. */
export async function startAgentProcess(
  endpoint: string,
  args: string[],
): Promise<{ child: ChildProcess; output(): string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [berthBin, 'agent', '--endpoint', endpoint, '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
