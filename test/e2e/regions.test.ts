import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsCli, startAgentProcess } from './harness.js';
import { cleanupAgentLeftovers } from './host-cleanup.js';
import { buildBusyboxImage, skopeo } from './images.js';

describe('regions, with the AWS CLI, skopeo and an agent of each region', () => {
  let fx: AgentFixture;
  let agentDir: string;
  let agent: Awaited<ReturnType<typeof startAgentProcess>>;
  const aws = async (region: string, args: string[]) => {
    const r = await awsCli(fx.berth.endpoint, [...args, '--region', region]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout ? JSON.parse(r.stdout) : {};
  };
  const instances = async (region: string) =>
    (await aws(region, ['ecs', 'list-container-instances'])).containerInstanceArns as string[];

  before(async () => {
    fx = await startAgentFixture();
    agentDir = mkdtempSync(join(tmpdir(), 'berth-region-agent-'));
    agent = await startAgentProcess(fx.berth.endpoint, ['--region', 'eu-west-1', '--data-dir', agentDir]);
    for (let i = 0; i < 100 && (await instances('eu-west-1')).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    await agent?.stop().catch(() => undefined);
    await cleanupAgentLeftovers(agentDir);
    rmSync(agentDir, { recursive: true, force: true });
    await fx.dispose();
  });

  it("runs an eu-west-1 task from eu-west-1's registry on eu-west-1's agent, out of us-east-1's sight", async () => {
    const eu = await instances('eu-west-1');
    const us = await instances('us-east-1');
    assert.equal(eu.length, 1, agent.output());
    assert.match(eu[0] as string, /^arn:aws:ecs:eu-west-1:000000000000:container-instance\/default\//);
    assert.equal(us.length, 1);
    assert.match(us[0] as string, /^arn:aws:ecs:us-east-1:/);

    // ECR: a repository of eu-west-1, pushed to with eu-west-1's token, is not us-east-1's.
    const repo = await aws('eu-west-1', ['ecr', 'create-repository', '--repository-name', 'regional']);
    assert.equal(repo.repository.repositoryArn, 'arn:aws:ecr:eu-west-1:000000000000:repository/regional');
    const host = new URL(fx.berth.endpoint).host;
    const password = async (region: string) =>
      (await awsCli(fx.berth.endpoint, ['ecr', 'get-login-password', '--region', region])).stdout.trim();
    const image = await buildBusyboxImage();
    try {
      const push = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        `AWS:${await password('eu-west-1')}`,
        image.ref,
        `docker://${host}/regional:v1`,
      ]);
      assert.equal(push.code, 0, push.stderr);
    } finally {
      image.dispose();
    }
    const inUs = await skopeo([
      'inspect',
      '--tls-verify=false',
      '--creds',
      `AWS:${await password('us-east-1')}`,
      `docker://${host}/regional:v1`,
    ]);
    assert.notEqual(inUs.code, 0, 'us-east-1 has no repository regional');
    const usRepos = await aws('us-east-1', ['ecr', 'describe-repositories']);
    assert.ok(!usRepos.repositories.some((r: { repositoryName: string }) => r.repositoryName === 'regional'));

    // ECS: the task definition, the task and its container instance are eu-west-1's.
    await aws('eu-west-1', [
      'ecs',
      'register-task-definition',
      '--family',
      'regional',
      '--network-mode',
      'none',
      '--container-definitions',
      JSON.stringify([
        {
          name: 'main',
          image: `${host}/regional:v1`,
          memory: 16,
          command: ['sh', '-c', 'test "$AWS_REGION" = eu-west-1 && test "$AWS_DEFAULT_REGION" = eu-west-1'],
        },
      ]),
    ]);
    const none = await awsCli(fx.berth.endpoint, ['ecs', 'run-task', '--task-definition', 'regional']);
    assert.notEqual(none.code, 0, 'us-east-1 has no task definition regional');
    assert.match(none.stderr, /ClientException|InvalidParameterException/);
    const run = await aws('eu-west-1', ['ecs', 'run-task', '--task-definition', 'regional']);
    assert.deepEqual(run.failures, []);
    const arn = run.tasks[0].taskArn as string;
    assert.match(arn, /^arn:aws:ecs:eu-west-1:000000000000:task\/default\//);
    assert.equal(run.tasks[0].containerInstanceArn, eu[0]);
    assert.deepEqual((await aws('us-east-1', ['ecs', 'list-tasks'])).taskArns, []);
    await aws('eu-west-1', ['ecs', 'wait', 'tasks-stopped', '--tasks', arn]);
    const t = (await aws('eu-west-1', ['ecs', 'describe-tasks', '--tasks', arn])).tasks[0];
    assert.equal(t.containers[0].exitCode, 0, `${t.stoppedReason} ${JSON.stringify(t.containers[0])}`);
  });

  it('refuses an agent or a call for a name that is not a region', async () => {
    const r = await awsCli(fx.berth.endpoint, ['ecs', 'list-clusters', '--region', 'xx-nowhere-9']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /InvalidSignatureException.*valid region/);
    const dir = mkdtempSync(join(tmpdir(), 'berth-region-agent-'));
    const bad = await startAgentProcess(fx.berth.endpoint, ['--region', 'xx-nowhere-9', '--data-dir', dir]);
    try {
      for (let i = 0; i < 100 && !bad.output().includes('is not a region'); i++) {
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.match(bad.output(), /'xx-nowhere-9' is not a region/);
    } finally {
      await bad.stop();
      await cleanupAgentLeftovers(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
