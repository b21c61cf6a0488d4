import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  waitUntilTasksRunning,
  waitUntilTasksStopped,
} from '@aws-sdk/client-ecs';
import { startAgentFixture, waitOpts, type AgentFixture } from './agent-fixture.js';

const execFileP = promisify(execFile);

describe('an agent killed and started again', () => {
  let fx: AgentFixture;
  before(async () => {
    fx = await startAgentFixture();
  });
  after(() => fx.dispose());

  it('keeps containers through an agent restart and reports the exit codes it missed', async () => {
    await fx.register(
      'survivor',
      [{ name: 'main', image: fx.imageUri, memory: 16, command: ['sh', '-c', 'sleep 3; exit 7'] }],
      ['--network-mode', 'none'],
    );
    const run = await fx.ecs.send(new RunTaskCommand({ taskDefinition: 'survivor' }));
    const arn = run.tasks?.[0]?.taskArn as string;
    await waitUntilTasksRunning(waitOpts(fx), { tasks: [arn] });
    await fx.crashAndRestart(4000); // the container exits while nobody watches
    await waitUntilTasksStopped(waitOpts(fx), { tasks: [arn] });
    const t = (await fx.ecs.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks?.[0];
    assert.equal(t?.containers?.[0]?.exitCode, 7);
    assert.equal(t?.stopCode, 'EssentialContainerExited');
  });

  it('adopts a container started before the agent saved it, and makes again one it had only created', async () => {
    await fx.register(
      'adopted',
      [
        {
          name: 'main',
          image: fx.imageUri,
          memory: 16,
          stopTimeout: 2,
          command: ['sh', '-c', "echo up; trap 'exit 0' TERM; sleep 600 & wait"],
        },
      ],
      ['--network-mode', 'none'],
    );
    const run = await fx.ecs.send(new RunTaskCommand({ taskDefinition: 'adopted', count: 2 }));
    const arns = (run.tasks ?? []).map((t) => t.taskArn as string);
    await waitUntilTasksRunning(waitOpts(fx), { tasks: arns });
    const agentDir = join(fx.berth.dataDir, 'agent');
    const [started, created] = arns.map((a) => a.split('/').pop() as string) as [string, string];
    const cid = (task: string) => `${task}-main`;
    const runc = async (args: string[]) =>
      (await execFileP('runc', ['--root', join(agentDir, 'runc'), ...args])).stdout;
    const state = async (task: string) =>
      JSON.parse(await runc(['state', cid(task)])) as { pid: number; status: string };
    const startedPid = (await state(started)).pid;
    const createdPid = (await state(created)).pid;

    await fx.crashAndRestart(0, async () => {
      // As if the agent had been killed after starting one container and after only creating
      // the other, each time before it saved the task again.
      for (const task of [started, created]) {
        const file = join(agentDir, 'tasks', task, 'state.json');
        const s = JSON.parse(readFileSync(file, 'utf8'));
        s.phase = 'starting';
        delete s.startedAt;
        s.containers.main.state = 'waiting';
        delete s.containers.main.startedAt;
        writeFileSync(file, JSON.stringify(s));
      }
      await runc(['kill', cid(created), 'KILL']);
      for (let i = 0; i < 100 && (await state(created)).status !== 'stopped'; i++)
        await new Promise((r) => setTimeout(r, 20));
      await runc(['delete', cid(created)]);
      const bundle = join(agentDir, 'tasks', created, 'containers', 'main', 'bundle');
      // `runc create` leaves the container waiting to start; it keeps whatever stdio it is given.
      const code = await new Promise((resolve) =>
        spawn('runc', ['--root', join(agentDir, 'runc'), 'create', '--bundle', bundle, cid(created)], {
          stdio: 'ignore',
        }).on('exit', resolve),
      );
      assert.equal(code, 0);
      assert.equal((await state(created)).status, 'created');
    });

    // berth still has both tasks RUNNING from before: what tells is the runtime (the container
    // is deleted, so for a moment stopped or gone, then made again).
    let remade = await state(created);
    for (let i = 0; i < 300 && (remade.status !== 'running' || remade.pid === createdPid); i++) {
      await new Promise((r) => setTimeout(r, 100));
      remade = await state(created).catch(() => remade);
    }
    assert.equal((await state(started)).pid, startedPid, 'the started container is the one that runs');
    assert.equal(remade.status, 'running');
    assert.notEqual(remade.pid, createdPid);
    const ups = async (arn: string) => (await fx.logs(arn, 'main')).stdout.split('\n').filter((l) => l.endsWith('up'));
    assert.equal((await ups(arns[0] as string)).length, 1, 'the adopted container ran once');
    assert.equal((await ups(arns[1] as string)).length, 2, 'once before the kill, once made again');

    for (const task of arns) await fx.ecs.send(new StopTaskCommand({ task }));
    await waitUntilTasksStopped(waitOpts(fx), { tasks: arns });
    const stopped = (await fx.ecs.send(new DescribeTasksCommand({ tasks: arns }))).tasks ?? [];
    assert.deepEqual(
      stopped.map((t) => [t.stopCode, t.containers?.[0]?.exitCode]),
      [
        ['UserInitiated', 0],
        ['UserInitiated', 0],
      ],
    );
  });
});
