import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEtcdCluster, startEtcdServers, type EtcdCluster } from './etcd.js';
import { awsJson, sleep, startAgentProcess, type BerthProcess } from './harness.js';
import { cleanupAgentLeftovers } from './host-cleanup.js';
import { buildBusyboxImage, skopeo, type OciImage } from './images.js';

type Agent = Awaited<ReturnType<typeof startAgentProcess>>;

/**
 * A rolling deployment over three berth servers sharing a three-member etcd cluster, with the
 * leading server killed -9 while it runs: another server takes the lead and finishes it, and the
 * agents (given every server's endpoint) reconnect to the servers left.
 */
describe('a rolling deployment survives the death of the leading server', () => {
  let etcd: EtcdCluster;
  let image: OciImage;
  const shared = mkdtempSync(join(tmpdir(), 'berth-shared-'));
  const servers: BerthProcess[] = [];
  const agents: Agent[] = [];
  const agentDirs = ['a', 'b'].map((n) => mkdtempSync(join(tmpdir(), `berth-agent-${n}-`)));

  before(async () => {
    [etcd, image] = await Promise.all([startEtcdCluster(3), buildBusyboxImage()]);
    servers.push(...(await startEtcdServers(etcd, shared)));
  });

  after(async () => {
    const live = servers.find((s) => s.child.exitCode === null && s.child.signalCode === null);
    if (live) {
      const { aws } = awsJson(live.endpoint);
      await aws(['ecs', 'delete-service', '--cluster', 'shop', '--service', 'web', '--force']).catch(() => undefined);
      for (let i = 0; i < 60; i++) {
        const left = await aws(['ecs', 'list-tasks', '--cluster', 'shop']).catch(() => ({ taskArns: [] }));
        if ((left.taskArns ?? []).length === 0) break;
        await sleep(500);
      }
    }
    await Promise.allSettled(agents.map((a) => a.stop()));
    for (const s of servers) await s.dispose();
    await etcd?.stop();
    for (const [i, dir] of agentDirs.entries()) {
      await cleanupAgentLeftovers(dir, `berthe${i}`);
      rmSync(dir, { recursive: true, force: true });
    }
    image?.dispose();
    rmSync(shared, { recursive: true, force: true });
  });

  it('is finished by another server, every task accounted for once, and the agents reconnect', async () => {
    const [first, , c] = servers as [BerthProcess, BerthProcess, BerthProcess];
    const host = new URL(first.endpoint).host;
    const push = await skopeo(['copy', '--dest-tls-verify=false', image.ref, `docker://${host}/web:v1`]);
    assert.equal(push.code, 0, push.stderr);
    const A = awsJson(first.endpoint).aws;
    const C = awsJson(c.endpoint).aws;
    await A(['ecs', 'create-cluster', '--cluster-name', 'shop']);
    // Every server's endpoint, the first (the leader) first: the agents start on it.
    const endpoints = servers.map((s) => s.endpoint).join(',');
    for (const [i, dir] of agentDirs.entries())
      agents.push(
        await startAgentProcess(endpoints, [
          ...['--cluster', 'shop', '--data-dir', dir, '--image-pull-behavior', 'prefer-cached'],
          ...['--bridge', `berthe${i}`, '--subnet', `172.${30 + i}.0.0/16`],
        ]),
      );
    const output = () =>
      [...servers.map((s) => s.output().slice(-1500)), ...agents.map((a) => a.output().slice(-1500))].join('\n---\n');
    const until = async (what: string, check: () => Promise<boolean>, seconds = 90) => {
      for (let i = 0; i < seconds * 2; i++) {
        if (await check().catch(() => false)) return;
        await sleep(500);
      }
      assert.fail(`${what}: not within ${seconds} s\n${output()}`);
    };
    await until(
      'both agents registered',
      async () =>
        (await C(['ecs', 'list-container-instances', '--cluster', 'shop'])).containerInstanceArns.length === 2,
    );
    const register = (version: string) =>
      A([
        'ecs',
        'register-task-definition',
        '--family',
        'web',
        '--network-mode',
        'none',
        '--container-definitions',
        JSON.stringify([
          { name: 'app', image: `${host}/web:v1`, memory: 16, command: ['sh', '-c', `echo ${version}; sleep 600`] },
        ]),
      ]);
    await register('v1');
    await A([
      ...['ecs', 'create-service', '--cluster', 'shop', '--service-name', 'web', '--task-definition', 'web:1'],
      ...['--desired-count', '4', '--deployment-configuration', 'minimumHealthyPercent=50,maximumPercent=150'],
    ]);
    const service = async () =>
      (await C(['ecs', 'describe-services', '--cluster', 'shop', '--services', 'web'])).services[0];
    const running = async () => {
      const arns: string[] = (await C(['ecs', 'list-tasks', '--cluster', 'shop', '--desired-status', 'RUNNING']))
        .taskArns;
      if (arns.length === 0) return [];
      return (await C(['ecs', 'describe-tasks', '--cluster', 'shop', '--tasks', ...arns])).tasks as {
        taskArn: string;
        lastStatus: string;
        taskDefinitionArn: string;
        containerInstanceArn: string;
      }[];
    };
    await until('the first revision runs 4 tasks', async () => {
      const s = await service();
      return s.deployments.length === 1 && s.runningCount === 4 && s.deployments[0].rolloutState === 'COMPLETED';
    });

    // The deployment begins; as soon as it has started tasks of the new revision, the leader dies.
    await register('v2');
    await C(['ecs', 'update-service', '--cluster', 'shop', '--service', 'web', '--task-definition', 'web:2']);
    await until('the deployment started a task of the new revision', async () =>
      (await running()).some((t) => t.taskDefinitionArn.endsWith(':2')),
    );
    first.child.kill('SIGKILL');
    await first.stop();

    await until(
      'another server finished the deployment',
      async () => {
        const s = await service();
        const ts = await running();
        return (
          s.deployments.length === 1 &&
          s.deployments[0].rolloutState === 'COMPLETED' &&
          s.deployments[0].taskDefinition.endsWith(':2') &&
          ts.length === 4 &&
          ts.every((t) => t.lastStatus === 'RUNNING' && t.taskDefinitionArn.endsWith(':2'))
        );
      },
      180,
    );
    // Every task once: four distinct tasks run, each on a registered instance whose agent is connected again.
    const ts = await running();
    assert.equal(new Set(ts.map((t) => t.taskArn)).size, 4);
    const instances = (
      await C([
        'ecs',
        'describe-container-instances',
        '--cluster',
        'shop',
        '--container-instances',
        ...new Set(ts.map((t) => t.containerInstanceArn)),
      ])
    ).containerInstances as { agentConnected: boolean; runningTasksCount: number }[];
    assert.ok(
      instances.every((i) => i.agentConnected),
      JSON.stringify(instances),
    );
    assert.equal(
      instances.reduce((n, i) => n + i.runningTasksCount, 0),
      4,
      'the instances count exactly the four tasks',
    );
    // The agents moved to the servers left (the first is gone), and nothing runs twice on a host.
    const all = (await C(['ecs', 'list-tasks', '--cluster', 'shop'])).taskArns as string[];
    assert.equal(all.length, 4, 'nothing else is live');
  });
});
