import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { RCODE, readQuestion, writeAnswer } from '../../src/agent/dns-message.js';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsCli, sleep, startAgentProcess } from './harness.js';
import { cleanupAgentLeftovers } from './host-cleanup.js';
import { deploymentManifest, kubectlFor, kubeTools } from './kube-helpers.js';

const execFileP = promisify(execFile);

type Agent = Awaited<ReturnType<typeof startAgentProcess>>;

// A Kubernetes cluster of three nodes: berth's local agent and two more `berth agent` processes
// in the ECS cluster `default` (each with its own bridge and subnet, as separate hosts would be).
describe('Kubernetes over three agents', () => {
  let fx: AgentFixture;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  // The second joins ECS cluster `nodes` and is a node by its `--kube-cluster`; the third is not one.
  const extra = [
    {
      dir: mkdtempSync(join(tmpdir(), 'berth-node-a-')),
      bridge: 'berthn1',
      subnet: '172.52.0.0/16',
      join: ['--cluster', 'default'],
    },
    {
      dir: mkdtempSync(join(tmpdir(), 'berth-node-b-')),
      bridge: 'berthn2',
      subnet: '172.53.0.0/16',
      join: ['--cluster', 'nodes', '--kube-cluster', 'default'],
    },
    // An ECS host only: in cluster `default`, but not a node.
    {
      dir: mkdtempSync(join(tmpdir(), 'berth-node-c-')),
      bridge: 'berthn3',
      subnet: '172.54.0.0/16',
      join: ['--cluster', 'default', '--kube-cluster', 'none'],
    },
  ];
  const agents: Agent[] = [];
  before(async () => {
    fx = await startAgentFixture();
    k = await kubectlFor(fx.berth.endpoint, fx.berth.dataDir);
    assert.equal((await awsCli(fx.berth.endpoint, ['ecs', 'create-cluster', '--cluster-name', 'nodes'])).code, 0);
    for (const e of extra)
      agents.push(
        await startAgentProcess(fx.berth.endpoint, [
          ...[...e.join, '--data-dir', e.dir, '--bridge', e.bridge, '--subnet', e.subnet],
          ...['--image-pull-behavior', 'prefer-cached'],
        ]),
      );
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    for (const e of extra) {
      await cleanupAgentLeftovers(e.dir, e.bridge);
      rmSync(e.dir, { recursive: true, force: true });
    }
    await fx?.dispose();
  });

  const { jsonpath, until } = kubeTools(
    () => k,
    () => fx.imageUri,
  );
  const sh = (script: string) => ({ name: 'main', image: fx.imageUri, command: ['sh', '-c', script] });
  /** The pid of the process holding the host's lease of the service addresses (from `ss`; Node pads the abstract name with NULs, which ss prints as @). */
  const leaseHolder = async () =>
    /users:\(\("[^"]*",pid=(\d+)/.exec(
      (await execFileP('ss', ['-xlpn'])).stdout.split('\n').find((l) => / @berth-service-proxy[@\s]/.test(l)) ?? '',
    )?.[1];
  const cmdline = (pid: string | undefined) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return [];
    }
  };
  const pinned = (name: string, node: string, script: string, restartPolicy = 'Always') => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { restartPolicy, nodeName: node, terminationGracePeriodSeconds: 0, containers: [sh(script)] },
  });
  const phase = (pod: string, want: string[]) =>
    until(
      `${pod} ${want.join(' or ')}`,
      () => jsonpath(['get', 'pod', pod], '{.status.phase}'),
      (v) => want.includes(v),
      90,
    );

  it('runs a DaemonSet’s pod on each node; every node reaches a Service by name, served by one agent for the host, another taking over when it stops', async () => {
    await until(
      'three Ready nodes',
      () => jsonpath(['get', 'nodes'], '{.items[*].status.conditions[?(@.type=="Ready")].status}'),
      (v) => v === 'True True True',
    );
    // All four hosts registered, a node sync later there are still three nodes.
    const instances = async (cluster: string) =>
      (
        JSON.parse(
          (await awsCli(fx.berth.endpoint, ['ecs', 'list-container-instances', '--cluster', cluster])).stdout,
        ) as { containerInstanceArns: string[] }
      ).containerInstanceArns.length;
    await until(
      'four hosts',
      async () => `${await instances('default')} ${await instances('nodes')}`,
      (v) => v === '3 1',
    );
    await sleep(3000);
    assert.equal((await jsonpath(['get', 'nodes'], '{.items[*].metadata.name}')).split(' ').length, 3);
    const byHost = new Map(
      (
        await jsonpath(
          ['get', 'nodes'],
          '{range .items[*]}{.metadata.annotations.berth\\.dev/host-id}={.metadata.name}{"\\n"}{end}',
        )
      )
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
    assert.equal(new Set(byHost.values()).size, 3, `three nodes of their own names: ${[...byHost.values()].join(' ')}`);
    const [nodeA, nodeB] = extra
      .slice(0, 2)
      .map(
        (e) =>
          byHost.get(
            (JSON.parse(readFileSync(join(e.dir, 'agent.json'), 'utf8')) as { containerInstanceId: string })
              .containerInstanceId,
          ) ?? '',
      ) as [string, string];
    const local = [...byHost.values()].find((n) => n !== nodeA && n !== nodeB) as string;
    // The first node to run a pod takes the host's service addresses: here the first extra agent.
    await k.ok(['apply', '-f', '-'], JSON.stringify(pinned('anchor', nodeA, 'while true; do sleep 1; done')));
    await phase('anchor', ['Running']);
    await until(
      'the first extra agent holding the lease',
      async () => String(await leaseHolder()),
      (v) => v === String(agents[0]?.child.pid),
    );
    // A Service whose one pod runs on the local node.
    const web = deploymentManifest('web', 1, {
      terminationGracePeriodSeconds: 0,
      nodeSelector: { 'kubernetes.io/hostname': local },
      containers: [
        {
          ...sh('mkdir -p /www && echo served-by-web > /www/index.html && exec httpd -f -p 8080 -h /www'),
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 },
        },
      ],
    });
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
    };
    await k.ok(['apply', '-f', '-'], [web, svc].map((m) => `---\n${JSON.stringify(m)}\n`).join(''));
    await until(
      'web ready',
      () => jsonpath(['get', 'deploy', 'web'], '{.status.readyReplicas}'),
      (v) => v === '1',
    );
    // Each node's daemon asks for the Service by its DNS name until it answers.
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'probe' },
      spec: {
        selector: { matchLabels: { app: 'probe' } },
        template: {
          metadata: { labels: { app: 'probe' } },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [
              sh(
                'until wget -q -O - http://web.default.svc.cluster.local/; do sleep 1; done; ' +
                  'while true; do sleep 1; done',
              ),
            ],
          },
        },
      },
    };
    await k.ok(['apply', '-f', '-'], JSON.stringify(ds));
    assert.match(
      await k.ok(['rollout', 'status', 'daemonset/probe', '--timeout=90s']),
      /daemon set "probe" successfully rolled out/,
    );
    assert.match(await k.ok(['get', 'ds', 'probe']), /probe\s+3\s+3\s+3\s+3\s+3\s+<none>/);
    const pods = (
      await jsonpath(
        ['get', 'pods', '-l', 'app=probe'],
        '{range .items[*]}{.metadata.name}={.spec.nodeName}{"\\n"}{end}',
      )
    )
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]);
    assert.deepEqual(pods.map(([, n]) => n).sort(), [local, nodeA, nodeB].sort(), 'one pod on each node');
    for (const [pod, node] of pods)
      await until(
        `${pod} reached web`,
        () => k.ok(['logs', pod]),
        (v) => v.split('\n').includes('served-by-web'),
      ).catch(async (e: Error) => {
        const agentsSaid = agents.map((a) => a.output().slice(-1500)).join('\n---\n');
        throw new Error(`${e.message} on ${node}\n${await k.ok(['get', 'pods', '-o', 'wide'])}\n${agentsSaid}`);
      });
    // The agents that hold the lease stop: the local agent, standing by, takes over.
    for (const a of agents) await a.stop();
    const holder = await until(
      'the local agent holding the lease',
      async () => String(await leaseHolder()),
      (v) => cmdline(v).join(' ').includes(' local-agent '),
    );
    // It serves the Service's cluster IP and port (the address on the host's loopback).
    const clusterIP = await jsonpath(['get', 'svc', 'web'], '{.spec.clusterIP}');
    await until(
      'the local agent listening on the Service’s address',
      async () =>
        (await execFileP('ss', ['-tlpn'])).stdout.split('\n').find((l) => l.includes(` ${clusterIP}:80 `)) ?? '',
      (v) => v.includes(`pid=${holder},`),
    );
    await k.ok(
      ['apply', '-f', '-'],
      JSON.stringify(
        pinned(
          'client',
          local,
          'for i in 1 2 3 4 5; do wget -q -O - http://web/ && exit 0; sleep 1; done; exit 1',
          'Never',
        ),
      ),
    );
    await phase('client', ['Succeeded', 'Failed']);
    assert.equal(await k.ok(['logs', 'client']), 'served-by-web\n');
    assert.equal(await jsonpath(['get', 'pod', 'client'], '{.status.phase}'), 'Succeeded');
  });
  it('relays a UDP Service port: a pod’s DNS question to the Service’s cluster IP answered by its endpoint', async () => {
    // The endpoint: a DNS responder in this test, on an address of the host's that pods reach.
    const hostIp = Object.entries(networkInterfaces())
      .filter(([name]) => name !== 'lo' && !name.startsWith('berth'))
      .flatMap(([, list]) => list ?? [])
      .find((a) => a.family === 'IPv4' && !a.internal)?.address;
    assert.ok(hostIp, 'the host has an IPv4 address of its own');
    const responder = createSocket('udp4');
    responder.on('message', (m, from) => {
      const q = readQuestion(m);
      if (q) responder.send(writeAnswer(q, RCODE.ok, q.type === 1 ? ['192.0.2.77'] : []), from.port, from.address);
    });
    await new Promise<void>((r) => responder.bind(0, '0.0.0.0', () => r()));
    try {
      const manifests = [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'names' },
          spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
        },
        {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: { name: 'names' },
          subsets: [
            {
              addresses: [{ ip: hostIp }],
              ports: [{ name: 'dns', port: responder.address().port, protocol: 'UDP' }],
            },
          ],
        },
      ];
      await k.ok(['apply', '-f', '-'], manifests.map((m) => `---\n${JSON.stringify(m)}\n`).join(''));
      const ip = await jsonpath(['get', 'svc', 'names'], '{.spec.clusterIP}');
      const nodes = (await jsonpath(['get', 'nodes'], '{.items[*].metadata.name}')).split(' ');
      const ready = await jsonpath(['get', 'nodes'], '{.items[*].status.conditions[?(@.type=="Ready")].status}');
      const node = nodes[ready.split(' ').indexOf('True')] as string;
      await k.ok(
        ['apply', '-f', '-'],
        JSON.stringify(
          pinned('asker', node, `nslookup hello.example ${ip} 2>&1 | grep -A1 "^Name:" | tail -1`, 'Never'),
        ),
      );
      await phase('asker', ['Succeeded', 'Failed']);
      assert.match(await k.ok(['logs', 'asker']), /^Address:\s*192\.0\.2\.77\n$/);
    } finally {
      responder.close();
    }
  });
});
