import { join } from 'node:path';
import { rmSync } from 'node:fs';
import {
  ECSClient,
  DescribeTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { awsCli, startBerth, testCredentials, type BerthProcess } from '../../test/e2e/harness.js';
import { cleanupAgentLeftovers } from '../../test/e2e/host-cleanup.js';
import { skopeo } from '../../test/e2e/images.js';
import { ecsCall } from '../light-ecs.js';
import { FIRST_POLL_MS, SLEEP, ms } from './common.js';

/** berth with its local agent, images pushed, and the three measurements the bench takes of it. */
export class BerthSide {
  private readonly started: string[] = [];
  private constructor(
    readonly berth: BerthProcess,
    readonly ecs: ECSClient,
    readonly host: string,
    readonly creds: string,
  ) {}

  static async start(args: string[] = []): Promise<BerthSide> {
    const berth = await startBerth({ keepDataDir: true, args });
    const ecs = new ECSClient({ endpoint: berth.endpoint, region: 'us-east-1', credentials: testCredentials });
    const creds = `AWS:${(await awsCli(berth.endpoint, ['ecr', 'get-login-password'])).stdout.trim()}`;
    return new BerthSide(berth, ecs, new URL(berth.endpoint).host, creds);
  }

  /** Pushes an image to a new repository (optionally recompressing its layers); its URI. */
  async push(ref: string, repo: string, compress?: 'zstd' | 'gzip'): Promise<string> {
    await awsCli(this.berth.endpoint, ['ecr', 'create-repository', '--repository-name', repo]);
    const recompress = compress ? ['--dest-compress', '--dest-compress-format', compress] : [];
    const r = await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      this.creds,
      ...recompress,
      ref,
      `docker://${this.host}/${repo}:v1`,
    ]);
    if (r.code !== 0) throw new Error(`push failed: ${r.stderr}`);
    return `${this.host}/${repo}:v1`;
  }

  async register(family: string, image: string): Promise<void> {
    await this.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        networkMode: 'none',
        containerDefinitions: [{ name: 'c', image, memory: 16, stopTimeout: 2, command: SLEEP }],
      }),
    );
  }

  /**
   * RunTask(count) and wait until every task is RUNNING, polling DescribeTasks every `pollMs`,
   * the first time `firstPollMs` after RunTask has answered.
   */
  async runUntilRunning(
    family: string,
    count = 1,
    pollMs = 10,
    extra: Partial<RunTaskCommandInput> = {},
    firstPollMs = 0,
  ): Promise<void> {
    // The light client: the SDK's signing and middleware would take the CPU the start needs.
    const endpoint = this.berth.endpoint;
    type Tasks = { tasks?: Task[]; failures?: unknown[] };
    const r = await ecsCall<Tasks>(endpoint, 'RunTask', { ...extra, taskDefinition: family, count });
    const arns = (r.tasks ?? []).map((t) => t.taskArn as string);
    if (arns.length !== count)
      throw new Error(`RunTask placed ${arns.length} of ${count}: ${JSON.stringify(r.failures)}`);
    this.started.push(...arns);
    if (firstPollMs > 0) await new Promise((res) => setTimeout(res, firstPollMs));
    for (;;) {
      const ts = (await ecsCall<Tasks>(endpoint, 'DescribeTasks', { tasks: arns })).tasks ?? [];
      const stopped = ts.find((t) => t.lastStatus === 'STOPPED');
      if (stopped) throw new Error(`task stopped: ${stopped.stoppedReason ?? JSON.stringify(stopped)}`);
      if (ts.every((t) => t.lastStatus === 'RUNNING')) return;
      await new Promise((res) => setTimeout(res, pollMs));
    }
  }

  /** Stops every task started so far and waits until the host has cleaned them up. */
  async stopAll(): Promise<void> {
    for (let i = 0; i < this.started.length; i += 100) {
      await Promise.allSettled(
        this.started.slice(i, i + 100).map((t) => this.ecs.send(new StopTaskCommand({ task: t }))),
      );
    }
    for (let i = 0; i < 120; i++) {
      const left = (await awsCli(this.berth.endpoint, ['ecs', 'list-tasks', '--desired-status', 'STOPPED'])).stdout;
      const arns = (JSON.parse(left) as { taskArns: string[] }).taskArns;
      if (arns.length === 0) break;
      const ts: { lastStatus?: string }[] = [];
      for (let j = 0; j < arns.length; j += 100)
        ts.push(...((await this.ecs.send(new DescribeTasksCommand({ tasks: arns.slice(j, j + 100) }))).tasks ?? []));
      if (ts.every((t) => t.lastStatus === 'STOPPED')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    this.started.length = 0;
  }

  /** Sequential starts with a warm image: one RunTask → RUNNING at a time (see `startOne`). */
  async latency(family: string, n: number, extra: Partial<RunTaskCommandInput> = {}): Promise<number[]> {
    await this.startOne(family, extra); // warm the image
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push(await ms(() => this.startOne(family, extra)));
    await this.stopAll();
    return times;
  }

  /**
   * One task, RunTask → RUNNING, as a latency sample. DescribeTasks is polled every 2 ms, so the
   * poll adds about a millisecond to what is measured (docker run -d's own client returns when
   * the container has started); the first poll goes FIRST_POLL_MS after RunTask has answered.
   */
  startOne(family: string, extra: Partial<RunTaskCommandInput> = {}): Promise<void> {
    return this.runUntilRunning(family, 1, 2, extra, FIRST_POLL_MS);
  }

  /** `total` tasks asked for at once as RunTask(count=10) calls; tasks started per second. */
  async throughput(family: string, total: number, extra: Partial<RunTaskCommandInput> = {}): Promise<number> {
    const t = await ms(() =>
      // Polled every 100 ms, so that watching does not take the CPU the starts need.
      Promise.all(Array.from({ length: Math.ceil(total / 10) }, () => this.runUntilRunning(family, 10, 100, extra))),
    );
    await this.stopAll();
    return (Math.ceil(total / 10) * 10) / (t / 1000);
  }

  async dispose(): Promise<void> {
    await this.stopAll().catch(() => undefined);
    await this.berth.dispose();
    await cleanupAgentLeftovers(join(this.berth.dataDir, 'agent'));
    rmSync(this.berth.dataDir, { recursive: true, force: true });
  }
}
