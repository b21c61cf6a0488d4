// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ECSClient, ListClustersCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { awsCli, startBerth, strictDataDir, type BerthProcess } from './harness.js';
import { buildBusyboxImage, pushWith, skopeo } from './images.js';

const ACCOUNT = '000000000000';

describe('IAM users, roles and policies; STS; every call authorized in --auth strict', () => {
  let berth: BerthProcess;
  let dataDir: string;
  before(async () => {
    dataDir = strictDataDir('berth-iam-');
    berth = await startBerth({ dataDir, args: ['--auth', 'strict'] });
  });
  after(async () => {
    await berth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The AWS CLI as the account's root, or with the keys given. */
  const aws = async (args: string[], keys?: { id: string; secret: string; token?: string }) => {
    const r = await awsCli(
      berth.endpoint,
      args,
      keys
        ? {
            AWS_ACCESS_KEY_ID: keys.id,
            AWS_SECRET_ACCESS_KEY: keys.secret,
            ...(keys.token ? { AWS_SESSION_TOKEN: keys.token } : {}),
          }
        : {},
    );
    const text = r.stdout.trim();
    return { ...r, json: r.code === 0 && /^[{[]/.test(text) ? JSON.parse(text) : undefined };
  };

  let alice: { id: string; secret: string };

  it('creates a user with an inline policy and a key; the key is allowed what the policy allows and nothing else', async () => {
    assert.equal(
      (await aws(['iam', 'create-user', '--user-name', 'alice'])).json.User.Arn,
      `arn:aws:iam::${ACCOUNT}:user/alice`,
    );
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' },
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCOUNT}:role/*` },
      ],
    });
    await aws(['iam', 'put-user-policy', '--user-name', 'alice', '--policy-name', 'list', '--policy-document', policy]);
    const shown = await aws(['iam', 'get-user-policy', '--user-name', 'alice', '--policy-name', 'list']);
    assert.deepEqual(shown.json.PolicyDocument, JSON.parse(policy), 'the CLI decodes the URL-encoded document');
    const key = (await aws(['iam', 'create-access-key', '--user-name', 'alice'])).json.AccessKey;
    assert.match(key.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
    alice = { id: key.AccessKeyId, secret: key.SecretAccessKey };

    const me = await aws(['sts', 'get-caller-identity'], alice);
    assert.equal(me.json.Arn, `arn:aws:iam::${ACCOUNT}:user/alice`);
    assert.deepEqual((await aws(['ecs', 'list-clusters'], alice)).json.clusterArns, [
      `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/default`,
    ]);
    const denied = await aws(['ecs', 'run-task', '--task-definition', 'web:1'], alice);
    assert.match(
      denied.stderr,
      /AccessDeniedException.*User: arn:aws:iam::000000000000:user\/alice is not authorized to perform: ecs:RunTask on resource: arn:aws:ecs:us-east-1:000000000000:task-definition\/web:1 because no identity-based policy allows the ecs:RunTask action/,
    );
    const query = await aws(['iam', 'list-users'], alice);
    assert.match(query.stderr, /\(AccessDenied\).*iam:ListUsers on resource: \*/);
  });

  it('an explicit deny wins over an AWS managed policy that allows', async () => {
    await aws([
      'iam',
      'attach-user-policy',
      '--user-name',
      'alice',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    ]);
    assert.equal((await aws(['ecr', 'describe-repositories'], alice)).code, 0);
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 'ecr:Describe*', Resource: '*' }],
    });
    await aws([
      'iam',
      'put-user-policy',
      '--user-name',
      'alice',
      '--policy-name',
      'no-describe',
      '--policy-document',
      deny,
    ]);
    const r = await aws(['ecr', 'describe-repositories'], alice);
    assert.match(
      r.stderr,
      /ecr:DescribeRepositories on resource: \* with an explicit deny in an identity-based policy/,
    );
    const bad = await aws([
      'iam',
      'put-user-policy',
      '--user-name',
      'alice',
      '--policy-name',
      'x',
      '--policy-document',
      '{"Statement":[]',
    ]);
    assert.match(bad.stderr, /MalformedPolicyDocument/);
  });

  it('assumes a role whose trust policy allows the caller; the session has the role’s permissions only', async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: 'sts:AssumeRole' },
      ],
    });
    const role = await aws(['iam', 'create-role', '--role-name', 'deployer', '--assume-role-policy-document', trust]);
    assert.match(role.json.Role.RoleId, /^AROA/);
    await aws([
      'iam',
      'attach-role-policy',
      '--role-name',
      'deployer',
      '--policy-arn',
      'arn:aws:iam::aws:policy/AdministratorAccess',
    ]);
    const created = await aws([
      'iam',
      'create-policy',
      '--policy-name',
      'no-iam',
      '--policy-document',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:*', Resource: '*' }] }),
    ]);
    await aws(['iam', 'attach-role-policy', '--role-name', 'deployer', '--policy-arn', created.json.Policy.Arn]);

    // The SDK, as an application assuming a role would.
    const sts = new STSClient({
      endpoint: berth.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: alice.id, secretAccessKey: alice.secret },
    });
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: role.json.Role.Arn, RoleSessionName: 'ci' }));
    sts.destroy();
    const c = assumed.Credentials;
    assert.match(c?.AccessKeyId ?? '', /^ASIA/);
    assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`);
    const session = {
      accessKeyId: c?.AccessKeyId as string,
      secretAccessKey: c?.SecretAccessKey as string,
      sessionToken: c?.SessionToken as string,
    };
    const ecs = new ECSClient({ endpoint: berth.endpoint, region: 'us-east-1', credentials: session });
    assert.ok((await ecs.send(new ListClustersCommand({}))).clusterArns);
    await assert.rejects(
      ecs.send(new RunTaskCommand({ taskDefinition: 'nothere' })),
      /ClientException|Unable to find task definition/,
    );
    ecs.destroy();
    const keys = { id: session.accessKeyId, secret: session.secretAccessKey, token: session.sessionToken };
    assert.equal(
      (await aws(['sts', 'get-caller-identity'], keys)).json.Arn,
      `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`,
    );
    assert.match(
      (await aws(['iam', 'list-roles'], keys)).stderr,
      /iam:ListRoles on resource: \* with an explicit deny/,
    );
    const noToken = await aws(['ecs', 'list-clusters'], { id: keys.id, secret: keys.secret });
    assert.match(noToken.stderr, /UnrecognizedClientException/, 'a session key without its token is refused');

    // A role that does not trust the caller is refused in AWS's words.
    await aws([
      'iam',
      'create-role',
      '--role-name',
      'tasks-only',
      '--assume-role-policy-document',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    ]);
    const refused = await aws(
      ['sts', 'assume-role', '--role-arn', `arn:aws:iam::${ACCOUNT}:role/tasks-only`, '--role-session-name', 'probe'],
      alice,
    );
    assert.match(
      refused.stderr,
      /\(AccessDenied\).*User: arn:aws:iam::000000000000:user\/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role\/tasks-only/,
    );
  });

  it('reads aws:ResourceTag from the resource each call acts on', async () => {
    await aws(['ecs', 'create-cluster', '--cluster-name', 'blue', '--tags', 'key=team,value=blue']);
    await aws(['ecs', 'create-cluster', '--cluster-name', 'red', '--tags', 'key=team,value=red']);
    await aws(['iam', 'create-user', '--user-name', 'carol']);
    const byTag = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'ecs:DescribeClusters',
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } },
        },
      ],
    });
    await aws(['iam', 'put-user-policy', '--user-name', 'carol', '--policy-name', 'blue', '--policy-document', byTag]);
    const k = (await aws(['iam', 'create-access-key', '--user-name', 'carol'])).json.AccessKey;
    const carol = { id: k.AccessKeyId, secret: k.SecretAccessKey };
    const blue = await aws(['ecs', 'describe-clusters', '--clusters', 'blue'], carol);
    assert.equal(blue.json.clusters[0].clusterName, 'blue');
    const red = await aws(['ecs', 'describe-clusters', '--clusters', 'blue', 'red'], carol);
    assert.match(
      red.stderr,
      /ecs:DescribeClusters on resource: arn:aws:ecs:us-east-1:000000000000:cluster\/red because/,
    );
  });

  it('authorizes registry pulls and pushes as the principal that asked for the token', async () => {
    await aws(['ecr', 'create-repository', '--repository-name', 'team/app']);
    const host = new URL(berth.endpoint).host;
    const image = await buildBusyboxImage();
    try {
      const rootPass = (await aws(['ecr', 'get-login-password'])).stdout.trim();
      const pushed = await pushWith(`AWS:${rootPass}`, image.ref, `${host}/team/app:v1`);
      assert.equal(pushed.code, 0, pushed.stderr);

      // bob may read the registry (AWS's read-only policy) and nothing more.
      await aws(['iam', 'create-user', '--user-name', 'bob']);
      await aws([
        'iam',
        'attach-user-policy',
        '--user-name',
        'bob',
        '--policy-arn',
        'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
      ]);
      const k = (await aws(['iam', 'create-access-key', '--user-name', 'bob'])).json.AccessKey;
      const bob = { id: k.AccessKeyId, secret: k.SecretAccessKey };
      const pass = (await aws(['ecr', 'get-login-password'], bob)).stdout.trim();
      const pulled = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--creds',
        `AWS:${pass}`,
        `docker://${host}/team/app:v1`,
      ]);
      assert.equal(pulled.code, 0, pulled.stderr);
      const push = await pushWith(`AWS:${pass}`, image.ref, `${host}/team/app:v2`);
      assert.notEqual(push.code, 0);
      assert.match(
        push.stderr,
        /User: arn:aws:iam::000000000000:user\/bob is not authorized to perform: ecr:(InitiateLayerUpload|BatchCheckLayerAvailability|PutImage)/,
      );

      // The token is bob's: once his key is gone, it opens nothing.
      await aws(['iam', 'delete-access-key', '--user-name', 'bob', '--access-key-id', bob.id]);
      const after = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--creds',
        `AWS:${pass}`,
        `docker://${host}/team/app:v1`,
      ]);
      assert.notEqual(after.code, 0);
    } finally {
      image.dispose();
    }
  });

  it('refuses to delete what still holds policies or keys, as IAM does', async () => {
    assert.match(
      (await aws(['iam', 'delete-role', '--role-name', 'deployer'])).stderr,
      /DeleteConflict.*detach all policies/,
    );
    assert.match((await aws(['iam', 'delete-user', '--user-name', 'alice'])).stderr, /DeleteConflict/);
    assert.match(
      (await aws(['iam', 'get-role', '--role-name', 'nobody'])).stderr,
      /NoSuchEntity.*The role with name nobody cannot be found/,
    );
    const listed = await aws(['iam', 'list-policies', '--scope', 'AWS', '--query', 'Policies[].PolicyName']);
    assert.ok(listed.json.includes('AmazonECSTaskExecutionRolePolicy'));
  });
});
