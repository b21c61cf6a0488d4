import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { awsCli, berthBin, startBerth, testCredentials, type BerthProcess, type StartOptions } from './harness.js';
import { cleanupAgentLeftovers } from './host-cleanup.js';
import { buildBusyboxImage, pushWith } from './images.js';

const execFileP = promisify(execFile);

/** Whether any `berth local-agent` process is left (the tests run one berth at a time). */
const localAgentRunning = () =>
  readdirSync('/proc').some((pid) => {
    try {
      return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('\0local-agent\0');
    } catch {
      return false;
    }
  });

/** The ECS waiters' options for a fixture's tasks: every second, up to `maxWaitTime` seconds. */
export const waitOpts = (fx: AgentFixture, maxWaitTime = 60) => ({
  client: fx.ecs,
  maxWaitTime,
  minDelay: 1,
  maxDelay: 1,
});

export interface AgentFixture {
  /** Replaceable: a restart test starts a new berth on the same data directory. */
  berth: BerthProcess;
  ecs: ECSClient;
  /** The busybox image, pushed to berth's registry. */
  imageUri: string;
  /** Pushes an image (a skopeo reference) to a berth repository, created if new; its URI. */
  push(ref: string, repo: string): Promise<string>;
  register(family: string, containers: object[], extra?: string[]): Promise<void>;
  /** `aws ecs run-task`; the task's ARN. */
  runTask(family: string, extra?: string[]): Promise<string>;
  describe(arn: string): Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** `berth logs` for one container: stdout and stderr as the CLI prints them. */
  logs(arn: string, container: string, args?: string[]): Promise<{ stdout: string; stderr: string }>;
  /**
   * kill -9 of berth (its agent ends with it), then `berth up` again on the same data directory,
   * after `downForMs` with nobody watching, and after `whileDown` (once the agent has gone).
   */
  crashAndRestart(downForMs?: number, whileDown?: () => Promise<void>): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * berth with its local agent and a busybox image (built from busybox-static, with the given extra
 * files) pushed to its registry with skopeo: the starting point of every agent test.
 */
export async function startAgentFixture(
  files: Record<string, string> = {},
  options: StartOptions = {},
): Promise<AgentFixture> {
  const [berth, image] = await Promise.all([
    startBerth({ keepDataDir: true, ...options }),
    buildBusyboxImage({ files }),
  ]);
  const ecs = new ECSClient({
    endpoint: berth.endpoint,
    region: 'us-east-1',
    credentials: testCredentials,
    maxAttempts: 1,
  });
  const host = new URL(berth.endpoint).host;
  const creds = `AWS:${(await awsCli(berth.endpoint, ['ecr', 'get-login-password'])).stdout.trim()}`;
  const pushTo = async (ref: string, repo: string) => {
    await awsCli(berth.endpoint, ['ecr', 'create-repository', '--repository-name', repo]);
    const push = await pushWith(creds, ref, `${host}/${repo}:v1`);
    assert.equal(push.code, 0, push.stderr);
    return `${host}/${repo}:v1`;
  };
  const imageUri = await pushTo(image.ref, `e2e/agent-${Math.random().toString(36).slice(2, 8)}`);
  // The local agent registers shortly after berth comes up.
  for (let i = 0; i < 50; i++) {
    const r = JSON.parse((await awsCli(berth.endpoint, ['ecs', 'list-container-instances'])).stdout) as {
      containerInstanceArns: string[];
    };
    if (r.containerInstanceArns.length > 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const fx: AgentFixture = {
    berth,
    ecs,
    imageUri,
    push: pushTo,
    async register(family, containers, extra = []) {
      const r = await awsCli(fx.berth.endpoint, [
        'ecs',
        'register-task-definition',
        '--family',
        family,
        '--container-definitions',
        JSON.stringify(containers),
        ...extra,
      ]);
      assert.equal(r.code, 0, r.stderr);
    },
    async runTask(family, extra = []) {
      const r = await awsCli(fx.berth.endpoint, ['ecs', 'run-task', '--task-definition', family, ...extra]);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { tasks: { taskArn: string }[]; failures: unknown[] };
      assert.deepEqual(out.failures, []);
      return (out.tasks[0] as { taskArn: string }).taskArn;
    },
    async describe(arn) {
      const r = await awsCli(fx.berth.endpoint, ['ecs', 'describe-tasks', '--tasks', arn]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).tasks[0];
    },
    async logs(arn, container, args = []) {
      const r = await execFileP(process.execPath, [
        berthBin,
        'logs',
        '--endpoint',
        fx.berth.endpoint,
        '--container',
        container,
        ...args,
        arn,
      ]);
      return { stdout: r.stdout, stderr: r.stderr };
    },
    async crashAndRestart(downForMs = 0, whileDown) {
      const dataDir = fx.berth.dataDir;
      fx.berth.child.kill('SIGKILL');
      await fx.berth.stop();
      if (downForMs > 0) await new Promise((r) => setTimeout(r, downForMs));
      if (whileDown) {
        // The local agent leaves once it sees its stdin close; nothing of it may write after this.
        for (let i = 0; i < 100 && localAgentRunning(); i++) await new Promise((r) => setTimeout(r, 50));
        await whileDown();
      }
      fx.berth = await startBerth({ dataDir, keepDataDir: true });
      fx.ecs = new ECSClient({
        endpoint: fx.berth.endpoint,
        region: 'us-east-1',
        credentials: testCredentials,
        maxAttempts: 1,
      });
    },
    async dispose() {
      await fx.berth.dispose().catch(() => undefined);
      // A local agent still on its way out (its berth killed, not stopped) may yet make its
      // directories again: the data directory goes once it has left.
      for (let i = 0; i < 200 && localAgentRunning(); i++) await new Promise((r) => setTimeout(r, 50));
      await cleanupAgentLeftovers(join(fx.berth.dataDir, 'agent'));
      rmSync(fx.berth.dataDir, { recursive: true, force: true });
      image.dispose();
    },
  };
  return fx;
}
