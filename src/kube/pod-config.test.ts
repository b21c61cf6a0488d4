import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../kernel/index.js';
import { CONFIG_MAP, POD, SECRET } from './kinds.js';
import { syncNodes } from './nodes.js';
import { createObject, getObject } from './objects.js';
import { API_SERVICE_ENV, expand } from './pod-config.js';
import { PodHosts } from './pod-hosts.js';
import { testKube } from './test-kube.js';

const ns = 'default';
const scope = (kind = POD) => ({ cluster: 'c', kind, namespace: ns });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** The held status is written after forHost answers: wait for it (a few ms on a memory store). */
async function heldReason(deps: Awaited<ReturnType<typeof testKube>>, name: string) {
  for (let i = 0; i < 500; i++) {
    const st = getObject(deps, scope(), name)['status'] as {
      containerStatuses?: { state: { waiting: { reason: string; message?: string } } }[];
    };
    const w = st.containerStatuses?.[0]?.state.waiting;
    if (w) return w;
    await sleep(10);
  }
  assert.fail(`pod ${name} never held`);
}

async function world() {
  const deps = await testKube();
  await syncNodes(deps, 'c', {
    hosts: () => [{ id: 'h1', name: 'box', cpu: 2048, memory: 1024, connected: true, address: '10.0.0.5' }],
  });
  const hosts = new PodHosts(deps, 'c');
  return { deps, hosts };
}

const main = {
  name: 'main',
  image: 'app',
  command: ['sh', '-c', 'echo $(GREETING) $(MISSING) $$(x)'],
  envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
  env: [
    { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
    { name: 'FULL', value: '$(GREETING), world' },
    { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
    { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
  ],
  volumeMounts: [
    { name: 'cfg', mountPath: '/etc/app' },
    { name: 'both', mountPath: '/etc/both' },
  ],
};
const volumes = [
  { name: 'cfg', configMap: { name: 'settings', items: [{ key: 'greeting', path: 'sub/greeting.txt', mode: 0o600 }] } },
  {
    name: 'both',
    projected: {
      sources: [
        { secret: { name: 'creds' } },
        { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      ],
    },
  },
];

describe('a pod’s configuration from ConfigMaps, Secrets and its own fields', () => {
  it('expands $(VAR) references it knows, $$ as $, and leaves the rest', () => {
    const vars = new Map([['A', 'x']]);
    assert.equal(expand('$(A)-$(B)-$$(A)-$-$(', vars), 'x-$(B)-$(A)-$-$(');
  });

  it('holds a pod whose ConfigMap is missing, then sends it resolved once it exists', async () => {
    const { deps, hosts } = await world();
    await createObject(deps, scope(SECRET), { metadata: { name: 'creds' }, stringData: { password: 's3cret' } });
    await createObject(deps, scope(), {
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { nodeName: 'box', containers: [main], volumes },
    });
    const told: string[] = [];
    hosts.watch((h) => told.push(h));
    assert.deepEqual(hosts.forHost({ id: 'h1' }), []);
    assert.equal((await heldReason(deps, 'web')).reason, 'ContainerCreating');
    assert.equal((getObject(deps, scope(), 'web')['status'] as { phase: string }).phase, 'Pending');
    told.length = 0;
    await createObject(deps, scope(CONFIG_MAP), {
      metadata: { name: 'settings' },
      data: { greeting: 'hello', other: 'o' },
    });
    assert.ok(told.includes('h1'), 'the held pod’s host is told when the ConfigMap appears');
    const [w] = hosts.forHost({ id: 'h1' });
    const c = w?.containers[0];
    assert.deepEqual(Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value])), {
      CFG_greeting: 'hello',
      CFG_other: 'o',
      GREETING: 'hello',
      FULL: 'hello, world',
      POD_NAME: 'web',
      NODE_IP: '10.0.0.5',
      TIER: 'front',
      // The API server's Service, which the kubelet gives every container.
      ...Object.fromEntries(API_SERVICE_ENV),
    });
    assert.deepEqual(c?.secretEnv, [{ name: 'PASSWORD', from: 'secret/default/creds/password', value: 's3cret' }]);
    assert.deepEqual(c?.addressEnv, ['POD_IP']);
    assert.deepEqual(c?.command, ['sh', '-c', 'echo hello $(MISSING) $(x)']);
    const vols = Object.fromEntries((w?.sandbox.volumes ?? []).map((v) => [v.name, v.source]));
    assert.deepEqual(vols['cfg'], {
      type: 'files',
      files: [{ path: 'sub/greeting.txt', content: b64('hello'), mode: 0o600 }],
    });
    const both = vols['both'] as { files: { path: string; content: string; mode: number }[] };
    assert.deepEqual(
      both.files.map((f) => [f.path, text(f.content), f.mode]),
      [
        ['password', 's3cret', 0o644],
        ['labels', 'tier="front"', 0o644],
      ],
    );
  });

  it('holds a pod whose env names a missing key with the kubelet’s words, and skips optional ones', async () => {
    const { deps, hosts } = await world();
    await createObject(deps, scope(CONFIG_MAP), { metadata: { name: 'settings' }, data: { a: '1' } });
    await createObject(deps, scope(), {
      metadata: { name: 'p' },
      spec: {
        nodeName: 'box',
        containers: [
          {
            name: 'main',
            image: 'app',
            env: [
              { name: 'OPT', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } },
              { name: 'B', valueFrom: { configMapKeyRef: { name: 'settings', key: 'b' } } },
            ],
          },
        ],
      },
    });
    assert.deepEqual(hosts.forHost({ id: 'h1' }), []);
    assert.deepEqual(await heldReason(deps, 'p'), {
      reason: 'CreateContainerConfigError',
      message: "couldn't find key b in ConfigMap default/settings",
    });
  });

  it('refuses references the API server refuses, naming the field', async () => {
    const { deps } = await world();
    const bad = async (container: Record<string, unknown>, volume?: Record<string, unknown>) => {
      try {
        await createObject(deps, scope(), {
          metadata: { name: 'bad' },
          spec: { containers: [{ name: 'm', image: 'app', ...container }], ...(volume ? { volumes: [volume] } : {}) },
        });
      } catch (e) {
        assert.ok(e instanceof BerthError);
        return e.message;
      }
      assert.fail('accepted');
    };
    assert.match(
      await bad({ env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }),
      /spec\.containers\[0\]\.env\[0\]\.valueFrom\.fieldRef\.fieldPath: Unsupported value: "spec\.bogus"/,
    );
    assert.match(
      await bad({ env: [{ name: '1X', value: 'a' }] }),
      /spec\.containers\[0\]\.env\[0\]\.name: Invalid value: "1X"/,
    );
    assert.match(
      await bad({ envFrom: [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }] }),
      /spec\.containers\[0\]\.envFrom\[0\]: Invalid value: "": may not have more than one field/,
    );
    assert.match(
      await bad({}, { name: 'v', configMap: { name: 'c', items: [{ key: 'k', path: '../escape' }] } }),
      /spec\.volumes\[0\]\.configMap\.items\[0\]\.path: Invalid value: "\.\.\/escape": must not contain '\.\.'/,
    );
    assert.match(
      await bad({}, { name: 'v', secret: { secretName: 's', items: [{ key: 'k', path: '/abs' }] } }),
      /spec\.volumes\[0\]\.secret\.items\[0\]\.path: Invalid value: "\/abs": must be a relative path/,
    );
    assert.match(
      await bad(
        {},
        { name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 60 } }] } },
      ),
      /spec\.volumes\[0\]\.projected\.sources\[0\]\.serviceAccountToken\.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/,
    );
    assert.match(
      await bad({}, { name: 'v', projected: { sources: [{ serviceAccountToken: { path: '../t' } }] } }),
      /spec\.volumes\[0\]\.projected\.sources\[0\]\.serviceAccountToken\.path: Invalid value: "\.\.\/t": must not contain '\.\.'/,
    );
  });
});
