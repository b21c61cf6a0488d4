import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsJson, sleep, startAgentProcess, startBerth, type BerthProcess } from './harness.js';
import { cleanupAgentLeftovers } from './host-cleanup.js';
import { buildBusyboxImage, skopeo, type OciImage } from './images.js';

/**
 * An agent on a host of its own whose server dies: the tasks that end while nobody listens are
 * reported when the server is back (their reports were sent to no one), and none runs again.
 */
describe('a task that ends while its server is down', () => {
  const agentDir = mkdtempSync(join(tmpdir(), 'berth-agent-loss-'));
  let image: OciImage;
  let berth: BerthProcess;
  let agent: Awaited<ReturnType<typeof startAgentProcess>>;

  before(async () => {
    [image, berth] = await Promise.all([
      buildBusyboxImage(),
      startBerth({ keepDataDir: true, args: ['--no-agent', '--registry-auth', 'off', '--create-repository-on-push'] }),
    ]);
    const host = new URL(berth.endpoint).host;
    const push = await skopeo(['copy', '--dest-tls-verify=false', image.ref, `docker://${host}/loss:v1`]);
    assert.equal(push.code, 0, push.stderr);
    agent = await startAgentProcess(berth.endpoint, [
      ...['--cluster', 'default', '--data-dir', agentDir, '--image-pull-behavior', 'prefer-cached'],
      ...['--bridge', 'berthl0', '--subnet', '172.50.0.0/16'],
    ]);
  });

  after(async () => {
    await agent?.stop();
    await berth?.dispose();
    rmSync(berth?.dataDir ?? '', { recursive: true, force: true });
    await cleanupAgentLeftovers(agentDir, 'berthl0');
    rmSync(agentDir, { recursive: true, force: true });
    image?.dispose();
  });

  it('is reported STOPPED with its exit code once the server is back, and not run a second time', async () => {
    const aws = () => awsJson(berth.endpoint).aws;
    const until = async (what: string, check: () => Promise<boolean>) => {
      for (let i = 0; i < 120; i++) {
        if (await check().catch(() => false)) return;
        await sleep(250);
      }
      assert.fail(`${what}: not within 30 s\n${berth.output().slice(-2000)}\n---\n${agent.output().slice(-2000)}`);
    };
    await until(
      'the agent registers',
      async () => (await aws()(['ecs', 'list-container-instances'])).containerInstanceArns.length === 1,
    );
    const host = new URL(berth.endpoint).host;
    await aws()([
      ...['ecs', 'register-task-definition', '--family', 'brief', '--network-mode', 'none'],
      ...[
        '--container-definitions',
        JSON.stringify([
          {
            name: 'app',
            image: `${host}/loss:v1`,
            memory: 16,
            command: ['sh', '-c', 'echo ran >> /proc/1/fd/1; sleep 2; exit 3'],
          },
        ]),
      ],
    ]);
    const arn = (await aws()(['ecs', 'run-task', '--task-definition', 'brief'])).tasks[0].taskArn as string;
    const describe = async () => (await aws()(['ecs', 'describe-tasks', '--tasks', arn])).tasks[0];
    await until('the task runs', async () => (await describe()).lastStatus === 'RUNNING');
    // The server dies; the task exits and is cleaned up meanwhile; its report goes nowhere.
    const { dataDir } = berth;
    const port = new URL(berth.endpoint).port;
    berth.child.kill('SIGKILL');
    await berth.stop();
    const id = arn.split('/').pop() as string;
    // runc keeps a directory per container under its root.
    const runcIds = () => {
      const root = join(agentDir, 'runc');
      return existsSync(root) ? readdirSync(root).filter((c) => c.startsWith(id)) : [];
    };
    for (let i = 0; i < 60 && runcIds().length > 0; i++) await sleep(250);
    assert.deepEqual(runcIds(), [], 'ended and cleaned up while the server was down');
    berth = await startBerth({
      dataDir,
      keepDataDir: true,
      args: ['--no-agent', '--registry-auth', 'off', '--create-repository-on-push', '--port', port],
    });
    await until('the task is reported stopped', async () => (await describe()).lastStatus === 'STOPPED');
    const t = await describe();
    assert.equal(t.containers[0].exitCode, 3);
    assert.equal(t.stopCode, 'EssentialContainerExited');
    await sleep(2000);
    assert.deepEqual(runcIds(), [], 'not started again');
  });
});
