// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBerth, type BerthProcess } from './harness.js';
import { kubectlFor } from './kube-helpers.js';

// A namespace's bounds through kubectl: a ResourceQuota made by kubectl's generator (protobuf), a
// LimitRange applied, pods given their defaults and refused over the bounds, a ReplicationController
// that cannot make all its pods and says so, and the quota's use as `kubectl describe` shows it.
describe('kubectl with quotas, limit ranges and replication controllers', () => {
  let berth: BerthProcess;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  before(async () => {
    berth = await startBerth({ args: ['--no-agent'] });
    k = await kubectlFor(berth.endpoint, berth.dataDir);
  });
  after(async () => berth?.dispose());

  const until = async (what: string, read: () => Promise<string>, ok: (v: string) => boolean) => {
    let v = '';
    for (let i = 0; i < 100 && !ok((v = await read())); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(ok(v), `${what}: ${v}`);
    return v;
  };

  it('bounds a namespace: defaults, refusals in the API server’s words, the quota’s use, a replication controller held by it', async () => {
    const n = ['-n', 'team'];
    await k.ok(['create', 'namespace', 'team']);
    assert.match(
      await k.ok([
        ...n,
        'create',
        'quota',
        'compute',
        '--hard=pods=2,requests.cpu=1,limits.memory=1Gi,count/deployments.apps=1',
      ]),
      /resourcequota\/compute created/,
    );
    await k.ok(
      [...n, 'apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'defaults' },
        spec: {
          limits: [
            {
              type: 'Container',
              default: { cpu: '500m', memory: '256Mi' },
              defaultRequest: { cpu: '250m', memory: '128Mi' },
              max: { cpu: '1', memory: '512Mi' },
            },
          ],
        },
      }),
    );
    assert.match(
      await k.ok([...n, 'describe', 'limitrange', 'defaults']),
      /Container\s+cpu\s+-\s+1\s+250m\s+500m\s+-\n\s*Container\s+memory\s+-\s+512Mi\s+128Mi\s+256Mi\s+-/,
    );
    await k.ok([...n, 'run', 'a', '--image=busybox']);
    assert.equal(
      await k.ok([
        ...n,
        'get',
        'pod',
        'a',
        '-o',
        'jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.limits.memory} {.metadata.annotations.kubernetes\\.io/limit-ranger}',
      ]),
      '250m 256Mi LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a',
    );
    const big = await k.kubectl([
      ...n,
      'run',
      'big',
      '--image=busybox',
      '--overrides={"spec":{"containers":[{"name":"big","image":"busybox","resources":{"limits":{"cpu":"2"}}}]}}',
    ]);
    assert.match(
      big.stderr,
      /Error from server \(Forbidden\): pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2/,
    );
    await k.ok([...n, 'run', 'b', '--image=busybox']);
    const c = await k.kubectl([...n, 'run', 'c', '--image=busybox']);
    assert.match(
      c.stderr,
      /pods "c" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2/,
    );
    await until(
      'the quota’s use',
      () => k.ok([...n, 'get', 'quota', 'compute']),
      (v) => /count\/deployments\.apps: 0\/1, pods: 2\/2, requests\.cpu: 500m\/1\s+limits\.memory: 512Mi\/1Gi/.test(v),
    );
    assert.match(await k.ok([...n, 'describe', 'quota', 'compute']), /pods\s+2\s+2\n\s*requests\.cpu\s+500m\s+1/);
    // A ReplicationController that the quota holds back: its condition and events say so.
    await k.ok([...n, 'delete', 'pod', 'b']);
    await k.ok(
      [...n, 'apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'main', image: 'busybox' }] },
          },
        },
      }),
    );
    const cond = await until(
      'the ReplicaFailure condition',
      () =>
        k.ok([
          ...n,
          'get',
          'rc',
          'web',
          '-o',
          'jsonpath={.status.conditions[0].type} {.status.conditions[0].reason} {.status.replicas}',
        ]),
      (v) => v.startsWith('ReplicaFailure'),
    );
    assert.equal(cond, 'ReplicaFailure FailedCreate 1');
    assert.match(await k.ok([...n, 'get', 'rc']), /web\s+3\s+1\s+0\s+\d+s/);
    assert.match(
      await k.ok([...n, 'describe', 'rc', 'web']),
      /Warning\s+FailedCreate\s+.*replication-controller\s+Error creating: pods "web-\w+" is forbidden: exceeded quota: compute/,
    );
    assert.match(await k.ok([...n, 'scale', 'rc', 'web', '--replicas=1']), /replicationcontroller\/web scaled/);
    await until(
      'the condition gone',
      () => k.ok([...n, 'get', 'rc', 'web', '-o', 'jsonpath={.status.conditions}']),
      (v) => v === '',
    );
  });
});
