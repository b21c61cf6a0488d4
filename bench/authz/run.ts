/**
 * bench/authz: what authorization costs. DescribeTasks (10 tasks a call, so ten resources
 * authorized) against berth in `--auth open` and in `--auth strict` signed by an IAM user whose
 * policy has 20 statements (the allowing one last, with a condition), one berth after the
 * other on the same machine, each driven by wrk with 50 keep-alive connections. Prints
 * requests/s, p50, p99 and strict's ratio to open. Needs Debian's wrk. Run: npm run bench:authz
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
import { CONNECTIONS, needWrk, SECONDS, wrk, type Result } from '../api/wrk.js';

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

async function measure(dir: string, url: string, headers: Record<string, string>, body: string): Promise<Result> {
  await wrk(dir, url, headers, body, 3);
  return wrk(dir, url, headers, body);
}

async function main() {
  await needWrk('bench/authz');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-authz-'));
  const strictDir = strictDataDir('berth-bench-authz-strict-');
  let berth: BerthProcess | undefined;
  try {
    // Open: any key, nothing verified or authorized.
    berth = await startBerth({ args: ['--no-agent'] });
    const open = await benchCluster(berth.endpoint, await callWith(berth.endpoint, testCredentials));
    const body = JSON.stringify({ cluster: 'bench', tasks: open.arns.slice(0, 10) });
    const o = await measure(
      dir,
      berth.endpoint,
      await signed(berth.endpoint, testCredentials, 'DescribeTasks', body),
      body,
    );
    open.agent.close();
    await berth.dispose();

    // Strict: the signature verified, the user's 20-statement policy evaluated for each of ten tasks.
    berth = await startBerth({ dataDir: strictDir, args: ['--no-agent', '--auth', 'strict'] });
    const root = await callWith(berth.endpoint, testCredentials);
    const strict = await benchCluster(berth.endpoint, root, {
      authorization: agentAuthorization(testCredentials, 'bench-host'),
      hostname: 'bench-host',
    });
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
    const s = await measure(dir, berth.endpoint, await signed(berth.endpoint, user, 'DescribeTasks', sbody), sbody);
    // The root key: the signature verified, no policy evaluated (what the policy costs is the difference).
    const r = await measure(
      dir,
      berth.endpoint,
      await signed(berth.endpoint, testCredentials, 'DescribeTasks', sbody),
      sbody,
    );
    strict.agent.close();

    const row = (name: string, r: Result) =>
      console.log(
        `${name.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   ratio to open ${(r.rps / o.rps).toFixed(2)}`,
      );
    console.log(`${CONNECTIONS} keep-alive connections, ${SECONDS} s each (wrk -t2), DescribeTasks of 10 tasks`);
    row('berth --auth open', o);
    row('berth --auth strict, root key (no policy)', r);
    row('berth --auth strict, IAM user, 20 statements', s);
  } finally {
    await berth?.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(strictDir, { recursive: true, force: true });
  }
}

await main();
