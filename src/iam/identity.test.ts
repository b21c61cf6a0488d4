import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqliteStore, localShared } from '../store/index.js';
import type { IamDeps } from './deps.js';
import { attachPolicy, deleteInlinePolicy, putInlinePolicy } from './entities.js';
import {
  addRoleToInstanceProfile,
  createInstanceProfile,
  deleteInstanceProfile,
  listInstanceProfiles,
  removeRoleFromInstanceProfile,
} from './instance-profiles.js';
import {
  createPolicy,
  createPolicyVersion,
  deletePolicy,
  deletePolicyVersion,
  setDefaultPolicyVersion,
} from './managed.js';
import { credentialOf, decider, sessionExpired } from './principals.js';
import { createRole, deleteRole } from './roles.js';
import { Sealer } from './sealer.js';
import { assumeRole, getSessionToken, serviceMayAssume } from './sts.js';
import { createAccessKey, createUser, deleteAccessKey, deleteUser, setAccessKeyStatus } from './users.js';

function deps(): IamDeps & { advance(ms: number): void } {
  let t = Date.UTC(2026, 0, 1);
  return {
    store: localShared(new SqliteStore(':memory:')),
    clock: { now: () => new Date(t) },
    accountId: '000000000000',
    region: 'us-east-1',
    sealer: Sealer.random(),
    advance: (ms) => (t += ms),
  };
}

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string, Resource = '*') => ({ Effect: 'Allow', Action, Resource });
const trust = (Principal: object) => doc({ Effect: 'Allow', Principal, Action: 'sts:AssumeRole' });
/** A principal's decision on one action over `*`, with no condition keys. */
const decide = (can: ReturnType<typeof decider>, action: string) => can(action, new Map<string, string>())('*');

describe('IAM users, keys and their policies', () => {
  it('a user’s key signs as the user, who may do what the inline and attached policies allow', async () => {
    const d = deps();
    await createUser(d, { name: 'alice' });
    await putInlinePolicy(d, 'user', 'alice', 'list', doc(allow('ecs:List*')));
    const { record, secret } = await createAccessKey(d, 'alice');
    const c = credentialOf(d, record.id);
    assert.equal(c?.secret, secret);
    assert.equal(c?.principal.arn, 'arn:aws:iam::000000000000:user/alice');
    const can = decider(d, c!.principal);
    assert.equal(decide(can, 'ecs:ListTasks'), 'Allow');
    assert.equal(decide(can, 'ecr:PutImage'), 'ImplicitDeny');
    await attachPolicy(d, 'user', 'alice', 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser');
    assert.equal(decide(decider(d, c!.principal), 'ecr:PutImage'), 'Allow');
  });

  it('an inactive or deleted key is no key; a user with keys or policies cannot be deleted', async () => {
    const d = deps();
    await createUser(d, { name: 'bob' });
    const { record } = await createAccessKey(d, 'bob');
    await setAccessKeyStatus(d, record.id, 'Inactive');
    assert.equal(credentialOf(d, record.id), undefined);
    await assert.rejects(async () => deleteUser(d, 'bob'), /must delete access keys first/);
    await deleteAccessKey(d, record.id, 'bob');
    await putInlinePolicy(d, 'user', 'bob', 'p', doc(allow('ecs:*')));
    await assert.rejects(async () => deleteUser(d, 'bob'), /must delete policies first/);
    await deleteInlinePolicy(d, 'user', 'bob', 'p');
    await deleteUser(d, 'bob');
    await assert.rejects(async () => createAccessKey(d, 'bob'), /The user with name bob cannot be found/);
  });

  it('keeps names unique without regard to case, and refuses malformed policies', async () => {
    const d = deps();
    await createUser(d, { name: 'Carol' });
    await assert.rejects(async () => createUser(d, { name: 'carol' }), /already exists/);
    await assert.rejects(
      async () => putInlinePolicy(d, 'user', 'carol', 'p', '{"Statement":'),
      /Syntax errors in policy/,
    );
    await assert.rejects(async () => createUser(d, { name: 'bad name' }), /invalid/);
  });
});

describe('managed policies', () => {
  it('versions a policy (at most five), and attachments follow its default version', async () => {
    const d = deps();
    await createUser(d, { name: 'u' });
    const p = await createPolicy(d, { name: 'p', document: doc(allow('ecs:ListClusters')) });
    await attachPolicy(d, 'user', 'u', p.arn);
    const { record } = await createAccessKey(d, 'u');
    const principal = credentialOf(d, record.id)!.principal;
    assert.equal(decide(decider(d, principal), 'ecs:RunTask'), 'ImplicitDeny');
    await createPolicyVersion(d, p.arn, doc(allow('ecs:*')), true);
    assert.equal(decide(decider(d, principal), 'ecs:RunTask'), 'Allow');
    await setDefaultPolicyVersion(d, p.arn, 'v1');
    assert.equal(decide(decider(d, principal), 'ecs:RunTask'), 'ImplicitDeny');
    for (let i = 0; i < 3; i++) await createPolicyVersion(d, p.arn, doc(allow('ecs:*')), false);
    await assert.rejects(async () => createPolicyVersion(d, p.arn, doc(allow('ecs:*')), false), /up to 5 versions/);
    await assert.rejects(async () => deletePolicyVersion(d, p.arn, 'v1'), /default version/);
    await assert.rejects(async () => deletePolicy(d, p.arn), /attached to entities/);
    await assert.rejects(
      async () => attachPolicy(d, 'user', 'u', 'arn:aws:iam::aws:policy/NoSuchPolicy'),
      /does not exist/,
    );
    await assert.rejects(
      async () => createPolicyVersion(d, 'arn:aws:iam::aws:policy/AdministratorAccess', doc(allow('*')), true),
      /AWS managed policy/,
    );
  });
});

describe('roles and STS', () => {
  it('assumes a role only as its trust policy allows, and the session acts with the role’s policies', async () => {
    const d = deps();
    await createUser(d, { name: 'dev' });
    const { record } = await createAccessKey(d, 'dev');
    const dev = credentialOf(d, record.id)!.principal;
    const role = await createRole(d, { name: 'deploy', trustPolicy: trust({ AWS: dev.arn }) });
    await putInlinePolicy(d, 'role', 'deploy', 'p', doc(allow('ecs:UpdateService')));
    const s = await assumeRole(d, { principal: dev }, { roleArn: role.arn, sessionName: 'ci' });
    assert.equal(s.assumedRoleArn, 'arn:aws:sts::000000000000:assumed-role/deploy/ci');
    const c = credentialOf(d, s.credentials.accessKeyId)!;
    assert.equal(c.sessionToken, s.credentials.sessionToken);
    assert.equal(decide(decider(d, c.principal), 'ecs:UpdateService'), 'Allow');
    assert.equal(decide(decider(d, c.principal), 'ecs:ListClusters'), 'ImplicitDeny');
    await assert.rejects(
      async () => assumeRole(d, { service: 'ecs-tasks.amazonaws.com' }, { roleArn: role.arn, sessionName: 'x1' }),
      /ecs-tasks.amazonaws.com is not authorized to perform: sts:AssumeRole/,
    );
    await assert.rejects(
      async () =>
        assumeRole(d, { principal: dev }, { roleArn: 'arn:aws:iam::000000000000:role/none', sessionName: 'ci' }),
      /not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role\/none/,
    );
    assert.equal(serviceMayAssume(d, role.arn, 'ecs-tasks.amazonaws.com'), false);
  });

  it('narrows a session by its session policy, ends it at its expiry, and forgets it with its role', async () => {
    const d = deps();
    const role = await createRole(d, { name: 'r', trustPolicy: trust({ Service: 'ecs-tasks.amazonaws.com' }) });
    await putInlinePolicy(d, 'role', 'r', 'p', doc(allow('ecs:*')));
    const s = await assumeRole(
      d,
      { service: 'ecs-tasks.amazonaws.com' },
      { roleArn: role.arn, sessionName: 'task', durationSeconds: 900, policy: doc(allow('ecs:List*')) },
    );
    const c = credentialOf(d, s.credentials.accessKeyId)!;
    assert.equal(decide(decider(d, c.principal), 'ecs:ListTasks'), 'Allow');
    assert.equal(decide(decider(d, c.principal), 'ecs:RunTask'), 'ImplicitDeny', 'the session policy narrows');
    assert.equal(sessionExpired(d, c), false);
    d.advance(901_000);
    assert.equal(sessionExpired(d, credentialOf(d, s.credentials.accessKeyId)!), true);
    await deleteInlinePolicy(d, 'role', 'r', 'p');
    await deleteRole(d, 'r');
    assert.equal(
      decide(decider(d, c.principal), 'ecs:ListTasks'),
      'ImplicitDeny',
      'a deleted role’s sessions do nothing',
    );
    await assert.rejects(
      async () =>
        assumeRole(
          d,
          { service: 'ecs-tasks.amazonaws.com' },
          { roleArn: role.arn, sessionName: 'x', durationSeconds: 900 },
        ),
      /AssumeRole|validation/,
    );
  });

  it('issues session tokens to users and the root, never to role sessions', async () => {
    const d = deps();
    await createUser(d, { name: 'u' });
    const { record } = await createAccessKey(d, 'u');
    const u = credentialOf(d, record.id)!.principal;
    const t = await getSessionToken(d, u, 900);
    assert.equal(credentialOf(d, t.accessKeyId)?.principal.arn, u.arn);
    const role = await createRole(d, { name: 'r', trustPolicy: trust({ AWS: u.arn }) });
    const s = await assumeRole(d, { principal: u }, { roleArn: role.arn, sessionName: 'ss' });
    const session = credentialOf(d, s.credentials.accessKeyId)!.principal;
    await assert.rejects(
      async () => getSessionToken(d, session),
      /Cannot call GetSessionToken with session credentials/,
    );
    await assert.rejects(
      async () =>
        assumeRole(d, { principal: session }, { roleArn: role.arn, sessionName: 'chain', durationSeconds: 7200 }),
      /not authorized|1 hour session limit/,
    );
  });
});

describe('instance profiles', () => {
  it('holds one role, and neither may be deleted while they are joined', async () => {
    const d = deps();
    await createRole(d, { name: 'ecsInstanceRole', trustPolicy: trust({ Service: 'ec2.amazonaws.com' }) });
    const p = await createInstanceProfile(d, { name: 'ecs' });
    assert.match(p.arn, /^arn:aws:iam::000000000000:instance-profile\/ecs$/);
    assert.match(p.id, /^AIPA[A-Z2-7]{17}$/);
    await addRoleToInstanceProfile(d, 'ecs', 'ecsInstanceRole');
    await createRole(d, { name: 'other', trustPolicy: trust({ Service: 'ec2.amazonaws.com' }) });
    await assert.rejects(
      async () => addRoleToInstanceProfile(d, 'ecs', 'other'),
      /InstanceSessionsPerInstanceProfile: 1/,
    );
    await assert.rejects(async () => deleteRole(d, 'ecsInstanceRole'), /remove roles from instance profile first/);
    await assert.rejects(async () => deleteInstanceProfile(d, 'ecs'), /remove roles from instance profile first/);
    assert.deepEqual(
      listInstanceProfiles(d, { role: 'ECSINSTANCEROLE' }).map((x) => x.name),
      ['ecs'],
    );
    await removeRoleFromInstanceProfile(d, 'ecs', 'ecsInstanceRole');
    await deleteInstanceProfile(d, 'ecs');
    await deleteRole(d, 'ecsInstanceRole');
    await assert.rejects(async () => createInstanceProfile(d, { name: 'bad name' }), /invalid/);
  });
});
