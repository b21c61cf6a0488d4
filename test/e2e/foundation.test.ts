// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  CreateTaskSetCommand,
  DescribeContainerInstancesCommand,
  ECSClient,
  ListClustersCommand,
  ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import WebSocket from 'ws';
import { agentAuthorization } from '../../src/wire/agent-auth.js';
import { awsCli, startBerth, strictDataDir, testCredentials, type BerthProcess } from './harness.js';

describe('berth up: the first things a user tries', () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ args: ['--account-id', '123456789012'] });
  });
  after(() => berth.dispose());

  it('answers health with the version', async () => {
    const res = await fetch(`${berth.endpoint}/_berth/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; version: string };
    assert.equal(body.status, 'ok');
    assert.match(body.version, /^\d+\.\d+\.\d+/);
  });

  it('prints the endpoint and an AWS CLI line to copy', () => {
    assert.match(berth.output(), new RegExp(`aws --endpoint-url ${berth.endpoint} sts get-caller-identity`));
  });

  it('serves sts get-caller-identity to the AWS CLI', async () => {
    const r = await awsCli(berth.endpoint, ['sts', 'get-caller-identity']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      UserId: '123456789012',
      Account: '123456789012',
      Arn: 'arn:aws:iam::123456789012:root',
    });
  });

  it('serves GetCallerIdentity to @aws-sdk/client-sts', async () => {
    const sts = new STSClient({ endpoint: berth.endpoint, region: 'eu-west-1', credentials: testCredentials });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(out.Account, '123456789012');
    assert.ok(out.$metadata.requestId, 'every response carries x-amzn-RequestId');
  });

  it('refuses a second berth on the same data directory', async () => {
    await assert.rejects(startBerth({ dataDir: berth.dataDir, keepDataDir: true }), /in use by another berth/);
  });

  it('answers an operation berth has not built with a clear not-implemented error', async () => {
    const ecs = new ECSClient({
      endpoint: berth.endpoint,
      region: 'us-east-1',
      credentials: testCredentials,
      maxAttempts: 1,
    });
    await assert.rejects(
      ecs.send(new CreateTaskSetCommand({ cluster: 'default', service: 'web', taskDefinition: 'web' })),
      (e: Error) => {
        assert.equal(e.name, 'NotImplemented');
        assert.match(e.message, /ECS CreateTaskSet is not implemented in berth yet/);
        return true;
      },
    );
  });
});

describe('berth up --auth strict', () => {
  let berth: BerthProcess;
  let dataDir: string;
  before(async () => {
    dataDir = strictDataDir('berth-strict-');
    berth = await startBerth({ dataDir, args: ['--auth', 'strict'] });
  });
  after(async () => {
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts a correct signature from the SDK', async () => {
    const sts = new STSClient({ endpoint: berth.endpoint, region: 'us-east-1', credentials: testCredentials });
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, '000000000000');
  });

  it('refuses a wrong secret with SignatureDoesNotMatch (query) through the AWS CLI', async () => {
    const r = await awsCli(berth.endpoint, ['sts', 'get-caller-identity'], { AWS_SECRET_ACCESS_KEY: 'wrong' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /SignatureDoesNotMatch/);
  });

  it('refuses an unknown access key', async () => {
    const sts = new STSClient({
      endpoint: berth.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (e: Error) => e.name === 'InvalidClientTokenId');
  });

  it('lets in only agents that sign with a known key; its own agent signs with the credentials file', async () => {
    const agentUrl = `${berth.endpoint.replace('http', 'ws')}/agent/v1`;
    const attempt = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(agentUrl, { headers });
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.on('open', () => {
          ws.close();
          resolve({ status: 101, body: '' });
        });
        ws.on('error', reject);
      });
    const none = await attempt({});
    assert.equal(none.status, 401);
    assert.match(none.body, /the agent sent no credentials/);
    const wrong = await attempt({
      authorization: agentAuthorization(
        { accessKeyId: testCredentials.accessKeyId, secretAccessKey: 'wrong' },
        'e2e-host',
      ),
    });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /signature does not match/);
    const good = agentAuthorization(testCredentials, 'e2e-host');
    assert.equal((await attempt({ authorization: good })).status, 101);
    // The same header again is a replay, refused though its date is still good.
    const replay = await attempt({ authorization: good });
    assert.equal(replay.status, 401);
    assert.match(replay.body, /already used/);
    if (process.getuid?.() === 0) {
      // berth up's own agent joined with the key from <data-dir>/credentials.
      const ecs = new ECSClient({ endpoint: berth.endpoint, region: 'us-east-1', credentials: testCredentials });
      let connected = 0;
      for (let i = 0; i < 50 && connected === 0; i++) {
        const arns = (await ecs.send(new ListContainerInstancesCommand({}))).containerInstanceArns ?? [];
        if (arns.length) {
          const d = await ecs.send(new DescribeContainerInstancesCommand({ containerInstances: arns }));
          connected = (d.containerInstances ?? []).filter((c) => c.agentConnected).length;
        }
        if (!connected) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(connected, 1);
    }
  });

  it('refuses a wrong secret with InvalidSignatureException on JSON services', async () => {
    const ecs = new ECSClient({
      endpoint: berth.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: testCredentials.accessKeyId, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    await assert.rejects(ecs.send(new ListClustersCommand({})), (e: Error) => e.name === 'InvalidSignatureException');
  });
});

describe('berth shutdown', () => {
  it('finishes a request in flight on SIGTERM, then exits 0 and releases the data dir', async () => {
    const berth = await startBerth();
    try {
      const url = new URL(berth.endpoint);
      const body = 'Action=GetCallerIdentity&Version=2011-06-15';
      const responded = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: '/',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': Buffer.byteLength(body),
              'x-amz-date': '20240101T000000Z',
              authorization:
                'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
            },
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        // Half the body now: the request is in flight when the signal arrives.
        req.write(body.slice(0, 10));
        setTimeout(() => {
          berth.child.kill('SIGTERM');
          setTimeout(() => req.end(body.slice(10)), 300);
        }, 200);
      });
      const res = await responded;
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /<Account>000000000000<\/Account>/);
      assert.equal(await berth.stop(), 0);
      assert.match(berth.output(), /stopped/);
      const again = await startBerth({ dataDir: berth.dataDir, keepDataDir: true });
      await again.dispose();
    } finally {
      await berth.dispose();
    }
  });
});
