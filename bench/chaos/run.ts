/**
 * bench/chaos: three berth servers over a three-member etcd cluster and two agents given every
 * server's endpoint, under RunTask / StopTask / UpdateService load from every server, while each
 * round kills -9 a random server or etcd member and starts it again. Then the invariants: every
 * RunTask answered with a task is in DescribeTasks; no task is live on two instances and no
 * instance counts a task twice; the service converges to its desired count; the image pushed
 * before the rounds still pulls through every server; every log line PutLogEvents answered is read
 * back through every server. Prints rounds, operations and violations.
 * Run: npm run bench:chaos (ROUNDS=10 by default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdServerArgs, startEtcdCluster, startEtcdServers } from '../../test/e2e/etcd.js';
import { sleep, startAgentProcess, startBerth, type BerthProcess } from '../../test/e2e/harness.js';
import { cleanupAgentLeftovers } from '../../test/e2e/host-cleanup.js';
import { buildBusyboxImage, skopeo } from '../../test/e2e/images.js';
import { ecsCall } from '../light-ecs.js';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const CLUSTER = 'chaos';
let seed = Number(process.env.SEED ?? 11);
const rng = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)] as T;

interface Task {
  taskArn: string;
  lastStatus: string;
  desiredStatus: string;
  containerInstanceArn?: string;
}

async function main(): Promise<void> {
  const shared = mkdtempSync(join(tmpdir(), 'berth-chaos-'));
  const agentDirs = [0, 1].map((i) => mkdtempSync(join(tmpdir(), `berth-chaos-agent-${i}-`)));
  const [etcd, image] = await Promise.all([startEtcdCluster(3), buildBusyboxImage()]);
  const args = etcdServerArgs(etcd, shared);
  const servers = await startEtcdServers(etcd, shared);
  const agents: Awaited<ReturnType<typeof startAgentProcess>>[] = [];
  try {
    const host = new URL((servers[0] as BerthProcess).endpoint).host;
    const pushed = await skopeo(['copy', '--dest-tls-verify=false', image.ref, `docker://${host}/chaos:v1`]);
    if (pushed.code !== 0) throw new Error(pushed.stderr);
    const endpoints = servers.map((s) => s.endpoint);
    // Calls go to a live server, another when the one asked dies under them (as clients retry).
    const live = () => servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    const call = async <T>(action: string, body: object, prefix?: string): Promise<T> => {
      let last: unknown;
      for (let i = 0; i < 20; i++) {
        try {
          return await ecsCall<T>(pick(live()).endpoint, action, body, prefix);
        } catch (e) {
          last = e;
          if (/: 4\d\d /.test(String(e))) throw e;
          await sleep(250);
        }
      }
      throw last;
    };
    await call('CreateCluster', { clusterName: CLUSTER });
    for (const [i, dir] of agentDirs.entries())
      agents.push(
        await startAgentProcess(endpoints.join(','), [
          ...['--cluster', CLUSTER, '--data-dir', dir, '--image-pull-behavior', 'prefer-cached'],
          ...['--bridge', `berthc${i}`, '--subnet', `172.${40 + i}.0.0/16`],
        ]),
      );
    await call('RegisterTaskDefinition', {
      family: 'chaos',
      networkMode: 'none',
      containerDefinitions: [
        // The test image's busybox has no applet links but sh: sleep runs as a shell builtin applet.
        {
          name: 'app',
          image: `${host}/chaos:v1`,
          memory: 8,
          command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"],
        },
      ],
    });
    await call('CreateService', { cluster: CLUSTER, serviceName: 'svc', taskDefinition: 'chaos', desiredCount: 3 });

    const answered = new Set<string>();
    let operations = 0;
    let refused = 0;
    let desired = 3;
    let loading = true;
    const load = async () => {
      while (loading) {
        const op = rng();
        try {
          if (op < 0.4) {
            const r = await call<{ tasks: Task[] }>('RunTask', { cluster: CLUSTER, taskDefinition: 'chaos' });
            for (const t of r.tasks) answered.add(t.taskArn);
          } else if (op < 0.75 && answered.size > 0) {
            await call('StopTask', { cluster: CLUSTER, task: pick([...answered]), reason: 'chaos' });
          } else {
            desired = 1 + Math.floor(rng() * 5);
            await call('UpdateService', { cluster: CLUSTER, service: 'svc', desiredCount: desired });
          }
          operations++;
        } catch {
          refused++; // no capacity, a call that found every server down: the invariants below decide
        }
        await sleep(100);
      }
    };
    // Log lines put through any server while servers die: each one answered must be stored.
    const LOGS = 'Logs_20140328';
    await call('CreateLogGroup', { logGroupName: '/chaos' }, LOGS);
    await call('CreateLogStream', { logGroupName: '/chaos', logStreamName: 'lines' }, LOGS);
    const lines = new Set<string>();
    const logLoad = async () => {
      for (let n = 0; loading; n++) {
        const message = `line ${n}`;
        try {
          await call(
            'PutLogEvents',
            { logGroupName: '/chaos', logStreamName: 'lines', logEvents: [{ timestamp: Date.now(), message }] },
            LOGS,
          );
          lines.add(message);
          operations++;
        } catch {
          refused++;
        }
        await sleep(100);
      }
    };
    const loaders = [load(), load(), logLoad()];

    for (let round = 1; round <= ROUNDS; round++) {
      await sleep(2000);
      const serverVictim = rng() < 0.5;
      if (serverVictim) {
        const i = Math.floor(rng() * servers.length);
        const s = servers[i] as BerthProcess;
        s.child.kill('SIGKILL');
        await s.stop();
        await sleep(1500);
        // The agents were given the endpoints at start: a server comes back on the same port.
        const port = new URL(s.endpoint).port;
        servers[i] = await startBerth({ args: [...args, '--port', port], dataDir: s.dataDir, keepDataDir: true });
        console.log(`round ${round}: server ${i} killed -9 and started again (${servers[i]?.endpoint})`);
      } else {
        const m = pick(etcd.members);
        await m.kill();
        await sleep(1500);
        m.restart();
        console.log(`round ${round}: etcd member ${m.name} killed -9 and started again`);
      }
    }
    loading = false;
    await Promise.all(loaders);

    // Convergence, then the invariants.
    const violations: string[] = [];
    let tasks: Task[] = [];
    for (let i = 0; i < 120; i++) {
      const arns = (await call<{ taskArns: string[] }>('ListTasks', { cluster: CLUSTER, serviceName: 'svc' })).taskArns;
      const svc = (
        await call<{ services: { runningCount: number; desiredCount: number; deployments: unknown[] }[] }>(
          'DescribeServices',
          { cluster: CLUSTER, services: ['svc'] },
        )
      ).services[0];
      if (svc && svc.desiredCount === desired && svc.runningCount === desired && arns.length === desired) break;
      if (i === 119) {
        // Why its tasks stopped, so that a violation can be looked into.
        const stopped = (
          await call<{ taskArns: string[] }>('ListTasks', {
            cluster: CLUSTER,
            serviceName: 'svc',
            desiredStatus: 'STOPPED',
          })
        ).taskArns.slice(0, 100);
        const reasons = stopped.length
          ? (
              await call<{ tasks: { stoppedReason?: string; stopCode?: string }[] }>('DescribeTasks', {
                cluster: CLUSTER,
                tasks: stopped,
              })
            ).tasks.map((t) => `${t.stopCode ?? ''}: ${t.stoppedReason ?? ''}`)
          : [];
        violations.push(
          `the service did not converge to ${desired}: ${JSON.stringify(svc)}; its stopped tasks: ${JSON.stringify([...new Set(reasons)])}`,
        );
      }
      await sleep(500);
    }
    const all = [...answered];
    for (let i = 0; i < all.length; i += 100) {
      const r = await call<{ tasks: Task[]; failures: { arn: string }[] }>('DescribeTasks', {
        cluster: CLUSTER,
        tasks: all.slice(i, i + 100),
      });
      tasks = tasks.concat(r.tasks);
      for (const f of r.failures) violations.push(`RunTask answered ${f.arn}, DescribeTasks does not know it`);
    }
    const liveArns = (await call<{ taskArns: string[] }>('ListTasks', { cluster: CLUSTER })).taskArns;
    const described =
      liveArns.length > 0
        ? (await call<{ tasks: Task[] }>('DescribeTasks', { cluster: CLUSTER, tasks: liveArns.slice(0, 100) })).tasks
        : [];
    const seen = new Map<string, string>();
    for (const t of described) {
      const was = seen.get(t.taskArn);
      if (was && was !== t.containerInstanceArn) violations.push(`${t.taskArn} is on two instances`);
      seen.set(t.taskArn, t.containerInstanceArn ?? '');
    }
    const instances = (await call<{ containerInstanceArns: string[] }>('ListContainerInstances', { cluster: CLUSTER }))
      .containerInstanceArns;
    const counted = (
      await call<{ containerInstances: { runningTasksCount: number; pendingTasksCount: number }[] }>(
        'DescribeContainerInstances',
        { cluster: CLUSTER, containerInstances: instances },
      )
    ).containerInstances.reduce((n, c) => n + c.runningTasksCount + c.pendingTasksCount, 0);
    const liveCount = described.filter((t) => t.lastStatus === 'RUNNING' || t.lastStatus === 'PENDING').length;
    if (counted !== liveCount) violations.push(`the instances count ${counted} tasks, ${liveCount} are live`);
    for (const s of live()) {
      const r = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--raw',
        `docker://${new URL(s.endpoint).host}/chaos:v1`,
      ]);
      if (r.code !== 0) violations.push(`the image does not pull through ${s.endpoint}: ${r.stderr.trim()}`);
    }
    for (const s of live()) {
      const stored = new Map<string, number>();
      let token: string | undefined;
      for (;;) {
        const r: { events: { message: string }[]; nextForwardToken: string } = await ecsCall(
          s.endpoint,
          'GetLogEvents',
          {
            logGroupName: '/chaos',
            logStreamName: 'lines',
            startFromHead: true,
            ...(token ? { nextToken: token } : {}),
          },
          LOGS,
        );
        for (const e of r.events) stored.set(e.message, (stored.get(e.message) ?? 0) + 1);
        if (r.nextForwardToken === token) break;
        token = r.nextForwardToken;
      }
      const lost = [...lines].filter((l) => !stored.has(l));
      if (lost.length) violations.push(`${lost.length} of ${lines.size} log lines are not read through ${s.endpoint}`);
      const twice = [...stored.values()].filter((c) => c > 1).length;
      if (twice) console.log(`${twice} log lines stored twice (a server died between storing and answering)`);
    }
    console.log(
      `chaos: ${ROUNDS} rounds, ${operations} operations (${refused} refused or failed), ${answered.size} tasks run, ${violations.length} violations`,
    );
    for (const v of violations) console.log(`  violation: ${v}`);
    await call('UpdateService', { cluster: CLUSTER, service: 'svc', desiredCount: 0 }).catch(() => undefined);
    for (const arn of liveArns) await call('StopTask', { cluster: CLUSTER, task: arn }).catch(() => undefined);
    await sleep(5000);
    process.exitCode = violations.length > 0 ? 1 : 0;
  } finally {
    await Promise.allSettled(agents.map((a) => a.stop()));
    for (const s of servers) await s.dispose().catch(() => undefined);
    for (const s of servers) rmSync(s.dataDir, { recursive: true, force: true });
    await etcd.stop();
    for (const [i, dir] of agentDirs.entries()) {
      await cleanupAgentLeftovers(dir, `berthc${i}`);
      rmSync(dir, { recursive: true, force: true });
    }
    image.dispose();
    rmSync(shared, { recursive: true, force: true });
  }
}

await main();
