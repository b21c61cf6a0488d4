import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
/**
 * bench/authz: what authorization costs. DescribeTasks (10 tasks a call, so ten resources
 * authorized) against berth in `--auth open` and in `--auth strict` signed by an IAM user whose
 * policy has 20 statements (the allowing one last, with a condition): both berths up on the same
 * machine, measured in turns over a few rounds (ROUNDS, default 6, of SECONDS_PER_RUN, default
 * 4), each run driven by wrk with 50 keep-alive connections. Prints requests/s, p50, p99 and strict's ratio to open. Needs
 * Debian's wrk. Run: npm run bench:authz
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { startBerth, strictDataDir, testCredentials, type BerthProcess } from '../../test/e2e/harness.js';
import { agentAuthorization } from '../../src/wire/agent-auth.js';
import { benchCluster } from '../api/fixture.js';
import { CONNECTIONS, needWrk, wrk, type Result } from '../api/wrk.js';

const TARGET = 'AmazonEC2ContainerServiceV20141113';

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A really signed ECS call: the headers to send (wrk replays them; the date holds 15 minutes). */
async function signed(endpoint: string, key: Key, op: string, body: string): Promise<Record<string, string>> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    credentials: key,
    region: 'us-east-1',
    service: 'ecs',
    sha256: Hash.bind(null, 'sha256'),
  });
  const req = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET}.${op}` },
    body,
  });
  return req.headers as Record<string, string>;
}

async function callWith(endpoint: string, key: Key) {
  return async (op: string, input: object) => {
    const body = JSON.stringify(input);
    const res = await fetch(endpoint, { method: 'POST', headers: await signed(endpoint, key, op, body), body });
    if (!res.ok) throw new Error(`${op}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
}

/** Twenty statements: nineteen that do not apply to DescribeTasks, then the one that allows it. */
function twentyStatements(): object {
  const others = [
    'ecr:BatchGetImage',
    'ecr:PutImage',
    'logs:PutLogEvents',
    'logs:CreateLogStream',
    'ssm:GetParameter',
    'secretsmanager:GetSecretValue',
    'iam:GetRole',
    'iam:ListRoles',
    'ecs:RunTask',
    'ecs:StopTask',
    'ecs:CreateService',
    'ecs:UpdateService',
    'ecs:DeleteService',
    'ecs:ListServices',
    'ecs:ListTaskDefinitions',
    'ecs:RegisterTaskDefinition',
    'ecs:DeregisterTaskDefinition',
    'ecs:TagResource',
  ];
  return {
    Version: '2012-10-17',
    Statement: [
      ...others.map((Action, i) => ({
        Sid: `S${i}`,
        Effect: 'Allow',
        Action,
        Resource: `arn:aws:*:us-east-1:000000000000:thing-${i}/*`,
        Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
      })),
      { Sid: 'NoIam', Effect: 'Deny', Action: 'iam:Delete*', Resource: '*' },
      {
        Sid: 'Describe',
        Effect: 'Allow',
        Action: ['ecs:Describe*', 'ecs:List*'],
        Resource: 'arn:aws:ecs:us-east-1:000000000000:task/bench/*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' }, Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

/** One configuration to measure: where to send it and the signed request wrk replays. */
interface Config {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

const ROUNDS = Number(process.env['ROUNDS'] ?? 6);
const RUN_SECONDS = Number(process.env['SECONDS_PER_RUN'] ?? 4);

/**
 * With two CPUs or more, each berth is held to CPU 0 and wrk to CPU 1: the server and the load
 * generator then do not take turns on the same core, which is most of the noise on a small machine.
 */
const PINNED = availableParallelism() >= 2 && process.env['BENCH_NO_PIN'] === undefined;
function pin(b: BerthProcess): void {
  if (PINNED) execFileSync('taskset', ['-a', '-cp', '0', String(b.child.pid)], { stdio: 'ignore' });
}
const WRK_CPU = PINNED ? 1 : undefined;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * Both berths are up at once and measured in turns, a few rounds with the order rotated, so
 * that drift on the machine (another process, the CPU's clock) falls on every configuration
 * alike; each configuration's figures are its medians over the rounds, and the ratio is the
 * median of the rounds' own ratios.
 */
async function rounds(dir: string, configs: Config[]): Promise<{ config: Config; runs: Result[] }[]> {
  for (const c of configs) await wrk(dir, c.url, c.headers, c.body, 3, WRK_CPU);
  const runs = configs.map(() => [] as Result[]);
  for (let r = 0; r < ROUNDS; r++)
    for (let k = 0; k < configs.length; k++) {
      const i = (k + r) % configs.length;
      const c = configs[i] as Config;
      runs[i]?.push(await wrk(dir, c.url, c.headers, c.body, RUN_SECONDS, WRK_CPU));
    }
  return configs.map((config, i) => ({ config, runs: runs[i] as Result[] }));
}

async function main() {
  await needWrk('bench/authz');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-authz-'));
  const strictDir = strictDataDir('berth-bench-authz-strict-');
  const berths: BerthProcess[] = [];
  const agents: { close(): void }[] = [];
  try {
    // Open: any key, nothing verified or authorized.
    const openBerth = await startBerth({ args: ['--no-agent'] });
    berths.push(openBerth);
    pin(openBerth);
    const open = await benchCluster(openBerth.endpoint, await callWith(openBerth.endpoint, testCredentials));
    agents.push(open.agent);
    const body = JSON.stringify({ cluster: 'bench', tasks: open.arns.slice(0, 10) });

    // Strict: the signature verified, the user's 20-statement policy evaluated for each of ten tasks.
    const berth = await startBerth({ dataDir: strictDir, args: ['--no-agent', '--auth', 'strict'] });
    berths.push(berth);
    pin(berth);
    const root = await callWith(berth.endpoint, testCredentials);
    const strict = await benchCluster(berth.endpoint, root, {
      authorization: agentAuthorization(testCredentials, 'bench-host'),
      hostname: 'bench-host',
    });
    agents.push(strict.agent);
    const iam = new IAMClient({ endpoint: berth.endpoint, region: 'us-east-1', credentials: testCredentials });
    await iam.send(new CreateUserCommand({ UserName: 'bench' }));
    // A managed policy: twenty statements are more than a user's 2,048 characters of inline policy.
    const policy = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'twenty', PolicyDocument: JSON.stringify(twentyStatements()) }),
    );
    await iam.send(new AttachUserPolicyCommand({ UserName: 'bench', PolicyArn: policy.Policy?.Arn }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bench' }))).AccessKey;
    iam.destroy();
    const user = { accessKeyId: k?.AccessKeyId as string, secretAccessKey: k?.SecretAccessKey as string };
    const sbody = JSON.stringify({ cluster: 'bench', tasks: strict.arns.slice(0, 10) });
    const check = await fetch(berth.endpoint, {
      method: 'POST',
      headers: await signed(berth.endpoint, user, 'DescribeTasks', sbody),
      body: sbody,
    });
    if (!check.ok) throw new Error(`the bench user is not allowed DescribeTasks: ${await check.text()}`);

    const results = await rounds(dir, [
      {
        name: 'berth --auth open',
        url: openBerth.endpoint,
        headers: await signed(openBerth.endpoint, testCredentials, 'DescribeTasks', body),
        body,
      },
      {
        // The root key: the signature verified, no policy evaluated (what the policy costs is the difference).
        name: 'berth --auth strict, root key (no policy)',
        url: berth.endpoint,
        headers: await signed(berth.endpoint, testCredentials, 'DescribeTasks', sbody),
        body: sbody,
      },
      {
        name: 'berth --auth strict, IAM user, 20 statements',
        url: berth.endpoint,
        headers: await signed(berth.endpoint, user, 'DescribeTasks', sbody),
        body: sbody,
      },
    ]);
    const base = results[0]?.runs as Result[];
    console.log(
      `${CONNECTIONS} keep-alive connections, ${RUN_SECONDS} s a run (wrk -t2), DescribeTasks of 10 tasks; ` +
        `${ROUNDS} rounds in turns, medians${PINNED ? '; berth on CPU 0, wrk on CPU 1' : ''}`,
    );
    for (const { config, runs } of results) {
      const ratio = median(runs.map((r, i) => r.rps / (base[i] as Result).rps));
      console.log(
        `${config.name.padEnd(44)} ${median(runs.map((r) => r.rps))
          .toFixed(0)
          .padStart(7)} req/s   ` +
          `p50 ${median(runs.map((r) => r.p50))
            .toFixed(2)
            .padStart(6)} ms   ` +
          `p99 ${median(runs.map((r) => r.p99))
            .toFixed(2)
            .padStart(6)} ms   ratio to open ${ratio.toFixed(2)}` +
          `   (rounds: ${runs.map((r) => r.rps.toFixed(0)).join(', ')})`,
      );
    }
  } finally {
    for (const a of agents) a.close();
    for (const b of berths) await b.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(strictDir, { recursive: true, force: true });
  }
}

await main();
