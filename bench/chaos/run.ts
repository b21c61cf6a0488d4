/**
 * bench/chaos: three berth servers over a three-member etcd cluster and two agents given every
 * server's endpoint, under RunTask / StopTask / UpdateService load from every server, while each
 * round kills -9 a random server or etcd member and starts it again. Then the invariants: every
 * RunTask answered with a task is in DescribeTasks; the tasks reported live, the instances' counts
 * and the containers runc runs under each agent agree, and no task runs under both agents; the
 * service converges to its desired count; the image pushed
 * before the rounds still pulls through every server; every log line PutLogEvents answered is read
 * back through every server. Prints rounds, operations and violations.
 * Run: npm run bench:chaos (ROUNDS=10 by default).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdServerArgs, startEtcdCluster } from '../../test/e2e/etcd.js';
import { sleep, startAgentProcess, startBerth, type BerthProcess } from '../../test/e2e/harness.js';
import { cleanupAgentLeftovers } from '../../test/e2e/host-cleanup.js';
import { buildBusyboxImage, skopeo } from '../../test/e2e/images.js';
import { ecsCall } from '../light-ecs.js';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const CLUSTER = 'chaos';
let seed = Number(process.env.SEED ?? 11);
const rng = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)] as T;

const runcContainers = (root: string) => (existsSync(root) ? readdirSync(root) : []);

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
  // At info, so that the servers' output says what the controllers did when a violation is found.
  const args = [...etcdServerArgs(etcd, shared), '--log-level', process.env.LOG_LEVEL ?? 'info'];
  const servers: BerthProcess[] = [];
  for (let i = 0; i < 3; i++) servers.push(await startBerth({ args }));
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
        const mine = arns.length
          ? (await call<{ tasks: Task[] }>('DescribeTasks', { cluster: CLUSTER, tasks: arns })).tasks.map(
              (t) => `${t.lastStatus}/${t.desiredStatus} on ${t.containerInstanceArn?.split('/').pop() ?? '-'}`,
            )
          : [];
        violations.push(
          `the service did not converge to ${desired}: ${JSON.stringify(svc)}; its live tasks: ${JSON.stringify(mine)}; its stopped tasks: ${JSON.stringify([...new Set(reasons)])}`,
        );
        writeFileSync(
          join(tmpdir(), 'berth-chaos-servers.log'),
          servers.map((x) => `== ${x.endpoint}\n${x.output()}`).join('\n'),
        );
        console.log(`servers' output in ${join(tmpdir(), 'berth-chaos-servers.log')}`);
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
    // What runs, by three accounts that must agree once the last stops have landed: the tasks
    // DescribeTasks reports RUNNING or PENDING (whatever their desired status), the instances'
    // counts, and the containers runc runs under each agent (none on both).
    let liveArns: string[] = [];
    const settled = async (): Promise<string[]> => {
      const arns: string[] = [];
      for (const desiredStatus of ['RUNNING', 'STOPPED']) {
        let page: string | undefined;
        do {
          const r: { taskArns: string[]; nextToken?: string } = await call('ListTasks', {
            cluster: CLUSTER,
            desiredStatus,
            ...(page ? { nextToken: page } : {}),
          });
          arns.push(...r.taskArns);
          page = r.nextToken;
        } while (page);
      }
      const described: Task[] = [];
      for (let i = 0; i < arns.length; i += 100) {
        const r = await call<{ tasks: Task[] }>('DescribeTasks', { cluster: CLUSTER, tasks: arns.slice(i, i + 100) });
        described.push(...r.tasks);
      }
      const live = described.filter((t) => t.lastStatus === 'RUNNING' || t.lastStatus === 'PENDING');
      const instances = (
        await call<{ containerInstanceArns: string[] }>('ListContainerInstances', { cluster: CLUSTER })
      ).containerInstanceArns;
      const counted = (
        await call<{ containerInstances: { runningTasksCount: number; pendingTasksCount: number }[] }>(
          'DescribeContainerInstances',
          { cluster: CLUSTER, containerInstances: instances },
        )
      ).containerInstances.reduce((n, c) => n + c.runningTasksCount + c.pendingTasksCount, 0);
      const found: string[] = [];
      if (counted !== live.length) found.push(`the instances count ${counted} tasks, ${live.length} are live`);
      const running = new Map<string, number>();
      for (const dir of agentDirs) {
        // runc keeps a directory per container under its root (`runc list` races with deletes).
        for (const id of new Set(runcContainers(join(dir, 'runc')).map((c) => c.replace(/-app$/, '')))) {
          running.set(id, (running.get(id) ?? 0) + 1);
        }
      }
      for (const [id, n] of running) if (n > 1) found.push(`task ${id} runs under both agents`);
      const api = new Set(described.filter((t) => t.lastStatus === 'RUNNING').map((t) => t.taskArn.split('/').pop()));
      const unknown = [...running.keys()].filter((id) => !api.has(id) && !live.some((t) => t.taskArn.endsWith(id)));
      if (unknown.length)
        found.push(`runc runs ${unknown.length} tasks no API call reports live: ${unknown.join(' ')}`);
      const missing = [...api].filter((id) => !running.has(id as string));
      if (missing.length)
        found.push(`${missing.length} tasks reported RUNNING run under no agent: ${missing.join(' ')}`);
      liveArns = live.map((t) => t.taskArn);
      return found;
    };
    let disagreements: string[] = [];
    for (let i = 0; i < 30; i++) {
      disagreements = await settled();
      if (disagreements.length === 0) break;
      await sleep(1000);
    }
    violations.push(...disagreements);
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
