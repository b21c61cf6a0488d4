import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRole, createSecret, putInlinePolicy, putParameter } from '../iam/index.js';
import { createCluster } from './clusters.js';
import { registerContainerInstance } from './container-instances.js';
import { desiredTasks } from './host-tasks.js';
import { workloads } from './tables.js';
import { registerTaskDefinition } from './task-definitions/task-definitions.js';
import { runTask } from './tasks/run-task.js';
import { testControlPlaneDeps } from './test-deps.js';

async function world() {
  const deps = testControlPlaneDeps();
  const iam = { ...deps, sealer: deps.sealer as NonNullable<typeof deps.sealer> };
  await putParameter(iam, { name: '/shop/db/password', value: 'hunter2', type: 'SecureString', by: 'me' });
  await putParameter(iam, { name: '/shop/db/host', value: 'db.internal', type: 'String', by: 'me' });
  const { record: db } = await createSecret(iam, {
    name: 'shop/db',
    value: { string: JSON.stringify({ user: 'app', password: 's3cret', port: 5432 }) },
  });
  await createCluster(deps, { clusterName: 'c' });
  const inst = await registerContainerInstance(deps, { cluster: 'c', cpu: 1024, memory: 1024, agentConnected: true });
  const { record: registry } = await createSecret(iam, {
    name: 'registry/login',
    value: { string: JSON.stringify({ username: 'puller', password: 'pa55' }) },
  });
  await createSecret(iam, { name: 'registry/bad', value: { string: JSON.stringify({ user: 'puller' }) } });
  const run = async (secrets: { name: string; valueFrom: string }[], more: object = {}) => {
    await registerTaskDefinition(deps, {
      family: 'app',
      containerDefinitions: [
        { name: 'app', image: 'busybox', memory: 32, environment: [{ name: 'MODE', value: 'x' }], secrets, ...more },
      ],
      // No metadata endpoint in this network mode: the environment is the definition's alone.
      networkMode: 'none',
    });
    const [t] = (await runTask(deps, { cluster: 'c', taskDefinition: 'app' })).tasks;
    assert.ok(t);
    const spec = desiredTasks(deps, 'c', inst.id).find((s) => s.id === t.id);
    assert.ok(spec);
    const stored = deps.store.read((tx) => tx.get(workloads, `c/${t.id}`))?.value;
    return { spec, stored: JSON.stringify(stored) };
  };
  return { run, db, registry };
}

describe('secrets handed to a task', () => {
  it('sends SSM parameters’ values (by name, ARN and version) with the spec, never storing them', async () => {
    const { spec, stored } = await (
      await world()
    ).run([
      { name: 'DB_PASSWORD', valueFrom: '/shop/db/password' },
      { name: 'DB_HOST', valueFrom: 'arn:aws:ssm:us-east-1:000000000000:parameter/shop/db/host' },
      { name: 'DB_HOST_V1', valueFrom: '/shop/db/host:1' },
    ]);
    const c = spec.containers[0];
    assert.deepEqual(c?.env, [{ name: 'MODE', value: 'x' }]);
    assert.deepEqual(c?.secretEnv, [
      { name: 'DB_PASSWORD', from: '/shop/db/password', value: 'hunter2' },
      { name: 'DB_HOST', from: 'arn:aws:ssm:us-east-1:000000000000:parameter/shop/db/host', value: 'db.internal' },
      { name: 'DB_HOST_V1', from: '/shop/db/host:1', value: 'db.internal' },
    ]);
    assert.equal(spec.cannotPull, undefined);
    assert.match(stored, /"from":"\/shop\/db\/password"/, 'the stored workload keeps the reference');
    assert.doesNotMatch(stored, /hunter2/, 'and never the value');
  });

  it('makes a task whose parameter is missing one that cannot start, as ECS words it, with no secret handed over', async () => {
    const { spec } = await (
      await world()
    ).run([
      { name: 'DB_PASSWORD', valueFrom: '/shop/db/password' },
      { name: 'API_KEY', valueFrom: '/shop/api-key' },
    ]);
    assert.equal(
      spec.cannotPull,
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: invalid parameters: /shop/api-key',
    );
    assert.deepEqual(spec.containers[0]?.env, [{ name: 'MODE', value: 'x' }]);
    assert.ok(
      spec.containers[0]?.secretEnv.every((s) => s.value === undefined),
      'not even the secret that was found',
    );
  });
});

describe('secrets from Secrets Manager handed to a task', () => {
  it('sends a secret whole, or one JSON key of it, by its ARN with ECS’s suffix', async () => {
    const w = await world();
    const { spec, stored } = await w.run([
      { name: 'DB', valueFrom: w.db.arn },
      { name: 'DB_PASSWORD', valueFrom: `${w.db.arn}:password::` },
      { name: 'DB_PORT', valueFrom: `${w.db.arn}:port:AWSCURRENT:` },
    ]);
    assert.equal(spec.cannotPull, undefined);
    assert.deepEqual(
      spec.containers[0]?.secretEnv.map((s) => [s.name, s.value]),
      [
        ['DB', '{"user":"app","password":"s3cret","port":5432}'],
        ['DB_PASSWORD', 's3cret'],
        ['DB_PORT', '5432'],
      ],
    );
    assert.doesNotMatch(stored, /s3cret/);
  });

  it('makes a task whose JSON key or secret is missing one that cannot start, in ECS’s words', async () => {
    const w = await world();
    const noKey = (await w.run([{ name: 'X', valueFrom: `${w.db.arn}:__proto__::` }])).spec;
    assert.equal(
      noKey.cannotPull,
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key __proto__',
    );
    const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:nothere-AbCdEf';
    const none = (await w.run([{ name: 'X', valueFrom: arn }])).spec;
    assert.equal(
      none.cannotPull,
      `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: failed to fetch secret ${arn} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
    );
    assert.ok(none.containers[0]?.secretEnv.every((s) => s.value === undefined));
  });
});

describe('registry credentials (repositoryCredentials) handed to a task', () => {
  const creds = (credentialsParameter: string) => ({ repositoryCredentials: { credentialsParameter } });

  it('sends the username and password of a secret named by ARN or by name, never storing them', async () => {
    const w = await world();
    for (const ref of [w.registry.arn, 'registry/login']) {
      const { spec, stored } = await w.run([], creds(ref));
      assert.equal(spec.cannotPull, undefined);
      assert.deepEqual(spec.containers[0]?.imageAuth, { from: ref, username: 'puller', password: 'pa55' });
      assert.match(stored, /"imageAuth":\{"from":/, 'the stored workload keeps the reference');
      assert.doesNotMatch(stored, /pa55/, 'and never the password');
    }
  });

  it('makes a task whose credentials are missing or malformed one that cannot start, handing nothing over', async () => {
    const w = await world();
    const none = (await w.run([], creds('registry/nothere'))).spec;
    assert.match(
      none.cannotPull ?? '',
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: failed to fetch secret arn:aws:secretsmanager:us-east-1:000000000000:secret:registry\/nothere from secrets manager: ResourceNotFoundException/,
    );
    assert.deepEqual(none.containers[0]?.imageAuth, { from: 'registry/nothere' });
    const bad = (await w.run([], creds('registry/bad'))).spec;
    assert.match(
      bad.cannotPull ?? '',
      /holds no registry credentials: its value must be JSON with "username" and "password"/,
    );
    assert.equal(bad.containers[0]?.imageAuth?.password, undefined);
  });
});

describe('secrets retrieved as the execution role, with IAM enforced (--auth strict)', () => {
  const trustTasks = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  async function strictWorld(allowed: string) {
    const deps = testControlPlaneDeps();
    const iam = { ...deps, sealer: deps.sealer as NonNullable<typeof deps.sealer> };
    Object.assign(deps, { iam, enforceIam: true });
    await putParameter(iam, { name: '/shop/db/password', value: 'hunter2', type: 'SecureString', by: 'me' });
    await createRole(iam, { name: 'exec', trustPolicy: trustTasks });
    await putInlinePolicy(
      iam,
      'role',
      'exec',
      'p',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameters', Resource: allowed }],
      }),
    );
    await createCluster(deps, { clusterName: 'c' });
    const inst = await registerContainerInstance(deps, { cluster: 'c', cpu: 1024, memory: 1024, agentConnected: true });
    await registerTaskDefinition(deps, {
      family: 'app',
      executionRoleArn: 'arn:aws:iam::000000000000:role/exec',
      networkMode: 'none',
      containerDefinitions: [
        { name: 'app', image: 'busybox', memory: 32, secrets: [{ name: 'P', valueFrom: '/shop/db/password' }] },
      ],
    });
    const [t] = (await runTask(deps, { cluster: 'c', taskDefinition: 'app' })).tasks;
    return desiredTasks(deps, 'c', inst.id).find((s) => s.id === t?.id);
  }

  it('hands the secret over when the execution role’s policy allows it', async () => {
    const spec = await strictWorld('arn:aws:ssm:us-east-1:000000000000:parameter/shop/*');
    assert.equal(spec?.cannotPull, undefined);
    assert.equal(spec?.containers[0]?.secretEnv[0]?.value, 'hunter2');
  });

  it('stops the task in ECS’s words, handing nothing over, when it does not', async () => {
    const spec = await strictWorld('arn:aws:ssm:us-east-1:000000000000:parameter/other/*');
    assert.match(
      spec?.cannotPull ?? '',
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/exec\/[0-9a-f]{32} is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:000000000000:parameter\/shop\/db\/password because no identity-based policy allows the ssm:GetParameters action$/,
    );
    assert.equal(spec?.containers[0]?.secretEnv[0]?.value, undefined);
  });
});

describe('images in berth’s registry pulled as the execution role, with IAM enforced (--auth strict)', () => {
  const trustTasks = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  async function pulling(statements: object[], image = '127.0.0.1:4566/shop/app:v2', role = true) {
    const deps = testControlPlaneDeps();
    const iam = { ...deps, sealer: deps.sealer as NonNullable<typeof deps.sealer> };
    Object.assign(deps, { iam, enforceIam: true, registryHosts: () => ['127.0.0.1:4566', 'localhost:4566'] });
    await createRole(iam, { name: 'exec', trustPolicy: trustTasks });
    await putInlinePolicy(iam, 'role', 'exec', 'p', JSON.stringify({ Version: '2012-10-17', Statement: statements }));
    await createCluster(deps, { clusterName: 'c' });
    const inst = await registerContainerInstance(deps, { cluster: 'c', cpu: 1024, memory: 1024, agentConnected: true });
    await registerTaskDefinition(deps, {
      family: 'app',
      ...(role ? { executionRoleArn: 'arn:aws:iam::000000000000:role/exec' } : {}),
      networkMode: 'none',
      containerDefinitions: [{ name: 'app', image, memory: 32 }],
    });
    const [t] = (await runTask(deps, { cluster: 'c', taskDefinition: 'app' })).tasks;
    return desiredTasks(deps, 'c', inst.id).find((s) => s.id === t?.id);
  }
  const ecr = (Action: string[], Resource = '*') => ({ Effect: 'Allow', Action, Resource });
  const pull = ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

  it('lets the pull go ahead when the role may, or when the image is elsewhere, or there is no execution role', async () => {
    assert.equal((await pulling([ecr(pull)]))?.cannotPull, undefined);
    assert.equal(
      (
        await pulling([
          ecr(pull, 'arn:aws:ecr:us-east-1:000000000000:repository/shop/*'),
          ecr(['ecr:GetAuthorizationToken']),
        ])
      )?.cannotPull,
      undefined,
    );
    assert.equal((await pulling([], 'registry.example.com/app:v1'))?.cannotPull, undefined);
    assert.equal((await pulling([], undefined, false))?.cannotPull, undefined, 'the host’s own credentials pull');
  });

  it('stops the task before the pull without ecr:GetAuthorizationToken, in ECS’s words', async () => {
    assert.match(
      (await pulling([ecr(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'])]))?.cannotPull ?? '',
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/exec\/[0-9a-f]{32} is not authorized to perform: ecr:GetAuthorizationToken on resource: \* because no identity-based policy allows the ecr:GetAuthorizationToken action$/,
    );
  });

  it('answers the registry’s 403 for a repository the role may not read', async () => {
    assert.equal(
      (
        await pulling(
          [ecr(pull, 'arn:aws:ecr:us-east-1:000000000000:repository/other'), ecr(['ecr:GetAuthorizationToken'])],
          'localhost:4566/shop/app@sha256:abc',
        )
      )?.cannotPull,
      'CannotPullContainerError: failed to resolve ref localhost:4566/shop/app@sha256:abc: pulling from host localhost:4566 failed with status code [manifests sha256:abc]: 403 Forbidden (the execution role may not ecr:BatchGetImage on arn:aws:ecr:us-east-1:000000000000:repository/shop/app)',
    );
  });
});
