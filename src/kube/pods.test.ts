import assert from 'node:assert/strict';
import { evictAt, evictForTaints } from './taint-eviction.js';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { deleteObject } from './delete.js';
import { NODE, POD } from './kinds.js';
import { syncNodes, type KubeHost } from './nodes.js';
import { metaOf } from './object.js';
import { createObject, getObject } from './objects.js';
import { PodHosts } from './pod-hosts.js';
import { schedulePods } from './pod-scheduler.js';
import { podWorkload, workloadIdOf } from './pod-workload.js';
import { parseQuantity } from './quantity.js';
import { testKube } from './test-kube.js';

const scope = { cluster: 'c', kind: POD, namespace: 'default' };
const host = (over: Partial<KubeHost> = {}): KubeHost => ({
  id: 'h1',
  name: 'box',
  cpu: 2048,
  memory: 1024,
  connected: true,
  address: '10.0.0.5',
  ...over,
});
const pod = (name: string, spec: Record<string, unknown> = {}) => ({
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'main', image: 'reg/app:v1' }], ...spec },
});

describe('Kubernetes pods', () => {
  it('parses quantities as the API server does', () => {
    assert.equal(parseQuantity('100m'), 0.1);
    assert.equal(parseQuantity('128Mi'), 128 * 2 ** 20);
    assert.equal(parseQuantity('1G'), 1e9);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity('2'), 2);
    for (const bad of ['1.2.3', 'abc', '-1', '1Qi', '']) assert.equal(parseQuantity(bad), undefined, bad);
  });

  it('defaults a pod, refuses what berth does not run, and keeps its spec from changing', async () => {
    const deps = await testKube();
    const { object } = await createObject(
      deps,
      scope,
      pod('p', { containers: [{ name: 'main', image: 'app', resources: { limits: { cpu: '1', memory: '64Mi' } } }] }),
    );
    const spec = object['spec'] as {
      restartPolicy: string;
      containers: { imagePullPolicy: string; resources: { requests: object } }[];
    };
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.containers[0]?.imagePullPolicy, 'Always');
    assert.deepEqual(spec.containers[0]?.resources.requests, { cpu: '1', memory: '64Mi' });
    assert.deepEqual(object['status'], { phase: 'Pending', qosClass: 'Guaranteed' });
    await assert.rejects(
      createObject(
        deps,
        scope,
        pod('q', {
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: {} }] } },
        }),
      ),
      (e: unknown) =>
        e instanceof BerthError &&
        /spec\.affinity\.podAntiAffinity\.requiredDuringSchedulingIgnoredDuringExecution\[0\]\.topologyKey: Required value/.test(
          e.message,
        ),
    );
    await assert.rejects(
      createObject(deps, scope, pod('q', { tolerations: [{ key: 'k', operator: 'Maybe' }] })),
      /spec\.tolerations\[0\]\.operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"/,
    );
    await assert.rejects(
      createObject(
        deps,
        scope,
        pod('q', {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }],
              },
            },
          },
        }),
      ),
      /nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.values: Required value/,
    );
    await assert.rejects(
      createObject(deps, scope, pod('r', { containers: [{ name: 'main' }] })),
      /spec\.containers\[0\]\.image: Required value/,
    );
    await assert.rejects(
      createObject(deps, scope, pod('s', { containers: [{ name: 'Main', image: 'x' }] })),
      /spec\.containers\[0\]\.name: Invalid value: "Main"/,
    );
    const { updateObject } = await import('./objects.js');
    await assert.rejects(
      updateObject(deps, scope, 'p', (cur) => ({
        ...cur,
        spec: { ...(cur['spec'] as object), restartPolicy: 'Never' },
      })),
      /pod updates may not change fields other than/,
    );
  });

  it('makes a pod’s workload: init containers in order, restart policy, probes, resources, grace', async () => {
    const deps = await testKube();
    const { object } = await createObject(
      deps,
      scope,
      pod('w', {
        restartPolicy: 'OnFailure',
        terminationGracePeriodSeconds: 7,
        initContainers: [
          { name: 'first', image: 'i' },
          { name: 'second', image: 'i' },
        ],
        containers: [
          {
            name: 'app',
            image: 'reg/app:v1',
            args: ['serve'],
            env: [{ name: 'A', value: 'b' }],
            ports: [{ name: 'http', containerPort: 8080 }],
            resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { memory: '64Mi' } },
            readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 2 },
          },
        ],
      }),
    );
    const w = podWorkload(object);
    assert.equal(w.id, workloadIdOf(object));
    assert.match(w.id, /^[0-9a-f]{32}$/);
    assert.equal(w.ref, 'pod/default/w');
    assert.equal(w.desired, 'running');
    assert.equal(w.sandbox.network.mode, 'own');
    assert.deepEqual(
      w.containers.map((c) => [c.name, c.essential, c.restart.policy, c.startAfter]),
      [
        ['first', false, 'on-failure', []],
        ['second', false, 'on-failure', [{ container: 'first', condition: 'succeeded' }]],
        ['app', true, 'on-failure', [{ container: 'second', condition: 'succeeded' }]],
      ],
    );
    const app = w.containers[2];
    assert.deepEqual(app?.dns, {
      servers: ['10.96.0.10'],
      searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      options: ['ndots:5'],
    });
    const hostNet = podWorkload({ ...object, spec: { ...(object['spec'] as object), hostNetwork: true } });
    assert.equal(hostNet.containers[2]?.dns, undefined, 'a pod on its node’s network keeps the node’s resolvers');
    const none = podWorkload({
      ...object,
      spec: {
        ...(object['spec'] as object),
        dnsPolicy: 'None',
        dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] },
      },
    });
    assert.deepEqual(none.containers[2]?.dns, { servers: ['1.1.1.1'], searches: [], options: ['ndots:2'] });
    assert.deepEqual(app?.resources, {
      cpuShares: 256,
      memoryLimitBytes: 64 * 2 ** 20,
      memoryReservationBytes: 32 * 2 ** 20,
    });
    assert.equal(app?.stop.timeoutMs, 7000);
    assert.deepEqual(app?.probes.readiness?.action, { type: 'http', port: 8080, path: '/ready' });
    assert.equal(app?.probes.readiness?.periodMs, 2000);
    assert.deepEqual(app?.args, ['serve']);
    assert.equal(app?.command, undefined);
  });

  it('makes a node of each host, and schedules pods by their requests and node selector', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', { hosts: () => [host()] });
    const node = getObject(deps, { cluster: 'c', kind: NODE }, 'box');
    assert.equal(metaOf(node).annotations?.['berth.dev/host-id'], 'h1');
    assert.deepEqual((node['status'] as { capacity: object }).capacity, { cpu: '2', memory: '1024Mi', pods: '110' });
    await createObject(
      deps,
      scope,
      pod('fits', { containers: [{ name: 'm', image: 'x', resources: { requests: { cpu: '1500m' } } }] }),
    );
    await createObject(
      deps,
      scope,
      pod('too-big', { containers: [{ name: 'm', image: 'x', resources: { requests: { cpu: '1' } } }] }),
    );
    await createObject(deps, scope, pod('elsewhere', { nodeSelector: { disk: 'ssd' } }));
    assert.equal(await schedulePods(deps, 'c'), 1);
    assert.equal((getObject(deps, scope, 'fits')['spec'] as { nodeName?: string }).nodeName, 'box');
    const refused = (name: string) =>
      (getObject(deps, scope, name)['status'] as { conditions: { type: string; message: string }[] }).conditions.find(
        (c) => c.type === 'PodScheduled',
      )?.message;
    assert.equal(
      refused('too-big'),
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
    assert.match(refused('elsewhere') ?? '', /1 node\(s\) didn't match Pod's node affinity\/selector/);
    // The host goes away: its node does too; a disconnected host's node is not Ready.
    await syncNodes(deps, 'c', { hosts: () => [host({ connected: false })] });
    const st = getObject(deps, { cluster: 'c', kind: NODE }, 'box')['status'] as { conditions: { status: string }[] };
    assert.equal(st.conditions[0]?.status, 'Unknown');
    // A second host of the same hostname joins: it gets a name of its own, the first keeps its.
    await syncNodes(deps, 'c', { hosts: () => [host(), host({ id: 'h2abcdef' })] });
    const hostnames = (n: string) =>
      (
        getObject(deps, { cluster: 'c', kind: NODE }, n)['status'] as { addresses: { type: string; address: string }[] }
      ).addresses
        .filter((a) => a.type === 'Hostname')
        .map((a) => a.address);
    assert.deepEqual(hostnames('box'), ['box']);
    assert.deepEqual(hostnames('box-h2abcd'), ['box-h2abcd']);
    await syncNodes(deps, 'c', { hosts: () => [] });
    assert.throws(() => getObject(deps, { cluster: 'c', kind: NODE }, 'box'), /nodes "box" not found/);
  });

  it('places by node affinity (required, then preferred) and taints (tolerated or not), and says why not', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', {
      hosts: () => [host(), host({ id: 'h2', name: 'other' })],
    });
    const nodes = { cluster: 'c', kind: NODE };
    const { updateObject } = await import('./objects.js');
    await updateObject(deps, nodes, 'box', (n) => ({
      ...n,
      metadata: { ...metaOf(n), labels: { ...metaOf(n).labels, zone: 'a', size: '4' } },
      spec: { ...(n['spec'] as object), taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
    }));
    await updateObject(deps, nodes, 'other', (n) => ({
      ...n,
      metadata: { ...metaOf(n), labels: { ...metaOf(n).labels, zone: 'b', size: '2' } },
    }));
    await assert.rejects(
      updateObject(deps, nodes, 'other', (n) => ({ ...n, spec: { taints: [{ key: 'x', effect: 'Sometimes' }] } })),
      /spec\.taints\[0\]\.effect: Unsupported value: "Sometimes"/,
    );
    const required = (key: string, operator: string, values?: string[]) => ({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }],
        },
      },
    });
    await createObject(deps, scope, pod('tainted', { affinity: required('zone', 'In', ['a']) }));
    await createObject(
      deps,
      scope,
      pod('tolerant', {
        affinity: required('size', 'Gt', ['3']),
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
      }),
    );
    await createObject(
      deps,
      scope,
      pod('anywhere', {
        tolerations: [{ operator: 'Exists' }],
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
            ],
          },
        },
      }),
    );
    await createObject(
      deps,
      scope,
      pod('by-name', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['other'] }] }],
            },
          },
        },
      }),
    );
    await schedulePods(deps, 'c');
    const nodeOf = (name: string) => (getObject(deps, scope, name)['spec'] as { nodeName?: string }).nodeName;
    assert.deepEqual(['tainted', 'tolerant', 'anywhere', 'by-name'].map(nodeOf), [undefined, 'box', 'box', 'other']);
    const why = (
      getObject(deps, scope, 'tainted')['status'] as { conditions: { type: string; message: string }[] }
    ).conditions.find((c) => c.type === 'PodScheduled')?.message;
    assert.equal(
      why,
      "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
  });

  it('taints a node whose agent is gone, and evicts its pods once their tolerations run out', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', { hosts: () => [host()] });
    const { object } = await createObject(deps, scope, pod('stays-a-while'));
    // The DefaultTolerationSeconds admission: 300 s for not-ready and unreachable.
    assert.deepEqual(
      (object['spec'] as { tolerations: { key: string; tolerationSeconds: number }[] }).tolerations.map((t) => [
        t.key,
        t.tolerationSeconds,
      ]),
      [
        ['node.kubernetes.io/not-ready', 300],
        ['node.kubernetes.io/unreachable', 300],
      ],
    );
    await createObject(deps, scope, pod('for-ever', { tolerations: [{ operator: 'Exists' }] }));
    await schedulePods(deps, 'c');
    await syncNodes(deps, 'c', { hosts: () => [host({ connected: false })] });
    const taints = (
      getObject(deps, { cluster: 'c', kind: NODE }, 'box')['spec'] as { taints: { key: string; effect: string }[] }
    ).taints;
    assert.deepEqual(
      taints.map((t) => `${t.key}:${t.effect}`),
      ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'],
    );
    assert.equal(await evictForTaints(deps, 'c'), 0);
    deps.clock.advance(301_000);
    assert.equal(await evictForTaints(deps, 'c'), 1);
    assert.ok(metaOf(getObject(deps, scope, 'stays-a-while')).deletionTimestamp);
    assert.equal(metaOf(getObject(deps, scope, 'for-ever')).deletionTimestamp, undefined);
    // Back: the taints go.
    await syncNodes(deps, 'c', { hosts: () => [host()] });
    assert.equal(
      (getObject(deps, { cluster: 'c', kind: NODE }, 'box')['spec'] as { taints?: unknown }).taints,
      undefined,
    );
    assert.equal(evictAt([], [{ key: 'k', effect: 'NoExecute' }], 5), 5);
    assert.equal(evictAt([{ key: 'k', operator: 'Exists' }], [{ key: 'k', effect: 'NoExecute' }], 5), Infinity);
  });

  it('places by inter-pod affinity and anti-affinity: together, apart, and never beside a pod that refuses company', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', { hosts: () => [host(), host({ id: 'h2', name: 'other' })] });
    const term = (app: string) => ({ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' });
    const apart = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web')] } };
    const labelled = (name: string, app: string, spec: Record<string, unknown> = {}) => ({
      ...pod(name, spec),
      metadata: { name, labels: { app } },
    });
    for (const name of ['web-1', 'web-2', 'web-3'])
      await createObject(deps, scope, labelled(name, 'web', { affinity: apart }));
    await createObject(
      deps,
      scope,
      labelled('cache', 'cache', {
        affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } },
      }),
    );
    await schedulePods(deps, 'c');
    const nodeOf = (name: string) => (getObject(deps, scope, name)['spec'] as { nodeName?: string }).nodeName;
    const message = (name: string) =>
      (getObject(deps, scope, name)['status'] as { conditions: { type: string; message: string }[] }).conditions.find(
        (c) => c.type === 'PodScheduled',
      )?.message;
    assert.deepEqual(['web-1', 'web-2', 'web-3'].map(nodeOf), ['box', 'other', undefined]);
    assert.match(message('web-3') ?? '', /2 node\(s\) didn't match pod anti-affinity rules/);
    assert.match(message('cache') ?? '', /2 node\(s\) didn't match pod affinity rules/);
    // A db pod arrives: the cache joins it; a pod the web pods refuse stays off their nodes.
    await createObject(deps, scope, labelled('db', 'db'));
    await schedulePods(deps, 'c');
    await schedulePods(deps, 'c');
    assert.equal(nodeOf('cache'), nodeOf('db'));
    await createObject(deps, scope, labelled('web-4', 'web'));
    await schedulePods(deps, 'c');
    assert.equal(nodeOf('web-4'), undefined);
    assert.match(message('web-4') ?? '', /2 node\(s\) didn't satisfy existing pods anti-affinity rules/);
  });

  it('spreads pods over a topology key within maxSkew, and keeps off nodes without the key', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', {
      hosts: () => [host(), host({ id: 'h2', name: 'other' }), host({ id: 'h3', name: 'bare' })],
    });
    const { updateObject } = await import('./objects.js');
    for (const [node, zone] of [
      ['box', 'a'],
      ['other', 'b'],
    ] as const)
      await updateObject(deps, { cluster: 'c', kind: NODE }, node, (n) => ({
        ...n,
        metadata: { ...metaOf(n), labels: { ...metaOf(n).labels, zone } },
      }));
    const spread = [
      {
        maxSkew: 1,
        topologyKey: 'zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 's' } },
      },
    ];
    for (const name of ['s1', 's2', 's3', 's4']) {
      await createObject(deps, scope, {
        ...pod(name, { topologySpreadConstraints: spread }),
        metadata: { name, labels: { app: 's' } },
      });
      await schedulePods(deps, 'c');
    }
    const nodeOf = (name: string) => (getObject(deps, scope, name)['spec'] as { nodeName?: string }).nodeName;
    assert.deepEqual(['s1', 's2', 's3', 's4'].map(nodeOf).sort(), ['box', 'box', 'other', 'other']);
    await assert.rejects(
      createObject(
        deps,
        scope,
        pod('bad', {
          topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'Sometimes' }],
        }),
      ),
      /maxSkew: Invalid value: 0: must be greater than zero.*whenUnsatisfiable: Unsupported value: "Sometimes"/,
    );
  });

  it('spreads with minDomains, matchLabelKeys, nodeAffinityPolicy and nodeTaintsPolicy as the scheduler counts them', async () => {
    const zoned = async () => {
      const deps = await testKube();
      await syncNodes(deps, 'c', { hosts: () => [host(), host({ id: 'h2', name: 'other' })] });
      const { updateObject } = await import('./objects.js');
      for (const [node, zone] of [
        ['box', 'a'],
        ['other', 'b'],
      ] as const)
        await updateObject(deps, { cluster: 'c', kind: NODE }, node, (n) => ({
          ...n,
          metadata: { ...metaOf(n), labels: { ...metaOf(n).labels, zone } },
        }));
      return { deps, updateObject };
    };
    const place = async (
      deps: Awaited<ReturnType<typeof testKube>>,
      name: string,
      labels: Record<string, string>,
      spec: Record<string, unknown>,
    ) => {
      await createObject(deps, scope, { ...pod(name, spec), metadata: { name, labels } });
      await schedulePods(deps, 'c');
      return (getObject(deps, scope, name)['spec'] as { nodeName?: string }).nodeName;
    };
    const constraint = (extra: object) => ({
      maxSkew: 1,
      topologyKey: 'zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { app: 'm' } },
      ...extra,
    });

    // minDomains 3 over two zones: the emptiest counts as zero, so a zone takes one pod at most.
    {
      const { deps } = await zoned();
      const spec = { topologySpreadConstraints: [constraint({ minDomains: 3 })] };
      const first = await place(deps, 'm1', { app: 'm' }, spec);
      const second = await place(deps, 'm2', { app: 'm' }, spec);
      assert.deepEqual([first, second].sort(), ['box', 'other']);
      assert.equal(await place(deps, 'm3', { app: 'm' }, spec), undefined);
    }
    // matchLabelKeys: only pods of the same revision count; nodeAffinityPolicy Ignore counts zone b though the pod may not go there.
    {
      const { deps } = await zoned();
      for (const name of ['old-1', 'old-2']) await place(deps, name, { app: 'm', rev: '1' }, { nodeName: 'box' });
      const spec = (extra: object): Record<string, unknown> => ({
        nodeSelector: { zone: 'a' },
        topologySpreadConstraints: [constraint(extra)],
      });
      assert.equal(
        await place(
          deps,
          'new-keys',
          { app: 'm', rev: '2' },
          spec({ matchLabelKeys: ['rev'], nodeAffinityPolicy: 'Ignore' }),
        ),
        'box',
      );
      assert.equal(
        await place(deps, 'new-all', { app: 'm', rev: '2' }, spec({ nodeAffinityPolicy: 'Ignore' })),
        undefined,
      );
      assert.equal(await place(deps, 'new-honor', { app: 'm', rev: '2' }, spec({})), 'box', 'only zone a counted');
    }
    // nodeTaintsPolicy Honor: a tainted zone the pods do not tolerate is not a domain to spread over.
    for (const policy of ['Honor', 'Ignore']) {
      const { deps, updateObject } = await zoned();
      await updateObject(deps, { cluster: 'c', kind: NODE }, 'other', (n) => ({
        ...n,
        spec: { ...(n['spec'] as object), taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
      }));
      const spec = { topologySpreadConstraints: [constraint({ nodeTaintsPolicy: policy })] };
      assert.equal(await place(deps, 't1', { app: 'm' }, spec), 'box');
      assert.equal(await place(deps, 't2', { app: 'm' }, spec), policy === 'Honor' ? 'box' : undefined, policy);
    }
    await assert.rejects(
      createObject(
        (await zoned()).deps,
        scope,
        pod('bad', {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              minDomains: 2,
              matchLabelKeys: ['rev'],
            },
          ],
        }),
      ),
      /minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway.*matchLabelKeys: Forbidden: must not be specified when labelSelector is not set/,
    );
  });

  it('places nothing on a cordoned node, and says so', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', { hosts: () => [host()] });
    const nodes = { cluster: 'c', kind: NODE };
    const { updateObject } = await import('./objects.js');
    await updateObject(deps, nodes, 'box', (n) => ({ ...n, spec: { ...(n['spec'] as object), unschedulable: true } }));
    await createObject(deps, scope, pod('waits'));
    assert.equal(await schedulePods(deps, 'c'), 0);
    const st = getObject(deps, scope, 'waits')['status'] as { conditions: { type: string; message: string }[] };
    assert.equal(
      st.conditions.find((c) => c.type === 'PodScheduled')?.message,
      '0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
    );
    await updateObject(deps, nodes, 'box', (n) => ({ ...n, spec: { ...(n['spec'] as object), unschedulable: false } }));
    assert.equal(await schedulePods(deps, 'c'), 1);
  });

  it('sends a node’s host its pods, writes reports into their status, and removes a deleted pod once stopped', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', { hosts: () => [host()] });
    const hosts = new PodHosts(deps, 'c');
    const told: string[] = [];
    hosts.watch((h) => told.push(h));
    const { object } = await createObject(
      deps,
      scope,
      pod('run', { nodeName: 'box', terminationGracePeriodSeconds: 3 }),
    );
    assert.deepEqual(told, ['h1']);
    const [w] = hosts.forHost({ id: 'h1' });
    assert.equal(w?.id, workloadIdOf(object));
    assert.deepEqual(hosts.forHost({ id: 'other' }), []);
    assert.equal(hosts.owns(w?.id ?? ''), true);
    await hosts.report(
      { id: 'h1' },
      {
        taskId: w?.id ?? '',
        phase: 'running',
        startedAt: Date.UTC(2026, 0, 1),
        network: { ip: '172.30.0.9' },
        containers: [{ name: 'main', state: 'running', runtimeId: 'abc' }],
      },
    );
    const running = getObject(deps, scope, 'run')['status'] as Record<string, unknown>;
    assert.equal(running['phase'], 'Running');
    assert.equal(running['podIP'], '172.30.0.9');
    assert.equal(running['hostIP'], '10.0.0.5');
    assert.deepEqual(
      (running['containerStatuses'] as { ready: boolean; containerID: string }[]).map((c) => [c.ready, c.containerID]),
      [[true, 'berth://abc']],
    );
    // A report from another host about this pod changes nothing.
    await hosts.report({ id: 'h2' }, { taskId: w?.id ?? '', phase: 'stopped', containers: [] });
    assert.equal((getObject(deps, scope, 'run')['status'] as { phase: string }).phase, 'Running');
    const d = await deleteObject(deps, scope, 'run');
    assert.equal(d.gone, false);
    assert.equal(metaOf(d.object).deletionGracePeriodSeconds, 3);
    const [stopping] = hosts.forHost({ id: 'h1' });
    assert.equal(stopping?.desired, 'stopped');
    assert.equal(stopping?.sandbox.stopGraceMs, 3000);
    await hosts.report(
      { id: 'h1' },
      { taskId: w?.id ?? '', phase: 'stopped', containers: [{ name: 'main', state: 'exited', exitCode: 0 }] },
    );
    assert.throws(() => getObject(deps, scope, 'run'), /pods "run" not found/);
    assert.deepEqual(hosts.forHost({ id: 'h1' }), []);
    // An unscheduled pod goes at once.
    await createObject(deps, scope, pod('nowhere'));
    assert.equal((await deleteObject(deps, scope, 'nowhere')).gone, true);
    hosts.close();
  });

  it('counts restarts, keeps the last end, and says CrashLoopBackOff while a container waits out its back-off', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', { hosts: () => [host()] });
    const hosts = new PodHosts(deps, 'c');
    try {
      const { object } = await createObject(deps, scope, pod('crashy', { nodeName: 'box' }));
      const t0 = Date.UTC(2026, 0, 1);
      const lastExit = { code: 1, oomKilled: false, startedAt: t0, finishedAt: t0 + 5000 };
      const report = (c: Parameters<PodHosts['report']>[1]['containers'][number]) =>
        hosts.report({ id: 'h1' }, { taskId: workloadIdOf(object), phase: 'running', startedAt: t0, containers: [c] });
      await report({
        name: 'main',
        state: 'waiting',
        runtimeId: 'r',
        restartCount: 2,
        lastExit,
        restartAt: t0 + 25_000,
      });
      const st = (getObject(deps, scope, 'crashy')['status'] as { containerStatuses: Record<string, unknown>[] })
        .containerStatuses[0];
      assert.equal(st?.['restartCount'], 2);
      assert.deepEqual(st?.['state'], {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off 20s restarting failed container=main pod=crashy_default(${metaOf(object).uid ?? ''})`,
        },
      });
      assert.deepEqual(st?.['lastState'], {
        terminated: {
          exitCode: 1,
          reason: 'Error',
          startedAt: '2026-01-01T00:00:00Z',
          finishedAt: '2026-01-01T00:00:05Z',
          containerID: 'berth://r',
        },
      });
      await report({
        name: 'main',
        state: 'running',
        runtimeId: 'r',
        restartCount: 3,
        lastExit,
        startedAt: t0 + 30_000,
      });
      const again = (getObject(deps, scope, 'crashy')['status'] as { containerStatuses: Record<string, unknown>[] })
        .containerStatuses[0];
      assert.deepEqual(again?.['state'], { running: { startedAt: '2026-01-01T00:00:30Z' } });
      assert.equal(again?.['restartCount'], 3);
    } finally {
      hosts.close();
    }
  });

  it('a finished pod is Succeeded or Failed by its containers’ exit codes, and no longer sent', async () => {
    const deps = await testKube();
    await syncNodes(deps, 'c', { hosts: () => [host()] });
    const hosts = new PodHosts(deps, 'c');
    for (const [name, code, phase] of [
      ['ok', 0, 'Succeeded'],
      ['bad', 3, 'Failed'],
    ] as const) {
      const { object } = await createObject(deps, scope, pod(name, { nodeName: 'box', restartPolicy: 'Never' }));
      await hosts.report(
        { id: 'h1' },
        {
          taskId: workloadIdOf(object),
          phase: 'stopped',
          ended: { cause: 'essential-exited' },
          containers: [{ name: 'main', state: 'exited', exitCode: code }],
        },
      );
      const st = getObject(deps, scope, name)['status'] as {
        phase: string;
        containerStatuses: { state: { terminated: { exitCode: number; reason: string } } }[];
      };
      assert.equal(st.phase, phase);
      assert.deepEqual(st.containerStatuses[0]?.state.terminated.reason, code === 0 ? 'Completed' : 'Error');
    }
    assert.deepEqual(hosts.forHost({ id: 'h1' }), []);
    hosts.close();
  });
});
