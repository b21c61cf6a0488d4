// e2e lane: shared — its servers run no task (--no-agent), so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEtcdCluster, startEtcdServers, type EtcdCluster } from './etcd.js';
import { sleep, type BerthProcess } from './harness.js';
import { kubectlFor } from './kube-helpers.js';

/**
 * The Kubernetes API of three `berth up --store etcd://…` servers over one etcd cluster, through
 * kubectl: what one server writes the others serve, a watch on one sees another's writes,
 * resourceVersions and optimistic concurrency hold across servers, and the controllers run on
 * whichever server leads.
 */
describe('Kubernetes over etcd: three servers, one cluster', () => {
  let etcd: EtcdCluster;
  const shared = mkdtempSync(join(tmpdir(), 'berth-kube-etcd-'));
  const servers: BerthProcess[] = [];
  let k: Awaited<ReturnType<typeof kubectlFor>>[] = [];

  before(async () => {
    etcd = await startEtcdCluster(3);
    servers.push(...(await startEtcdServers(etcd, shared)));
    k = await Promise.all(servers.map((s) => kubectlFor(s.endpoint, s.dataDir)));
  });
  after(async () => {
    for (const s of servers) await s.dispose();
    await etcd?.stop();
    rmSync(shared, { recursive: true, force: true });
  });

  const until = async (what: string, f: () => Promise<string>, ok: (v: string) => boolean) => {
    let v = '';
    for (let i = 0; i < 60; i++) {
      v = await f();
      if (ok(v)) return v;
      await sleep(500);
    }
    assert.fail(`${what}: not within 30 s (last: ${v})`);
  };

  it('serves one cluster from every server: objects, watches, conflicts, CRDs and the controllers', async () => {
    const [a, b, c] = k as [(typeof k)[0], (typeof k)[0], (typeof k)[0]];
    // Every server made the cluster's own objects once, whichever started first.
    assert.match(await c.ok(['get', 'namespaces']), /default\s+Active[\s\S]*kube-system\s+Active/);
    assert.equal(
      (await b.ok(['get', 'clusterroles', '-o', 'name']))
        .split('\n')
        .filter((l) => l === 'clusterrole.rbac.authorization.k8s.io/admin').length,
      1,
    );

    // A watch on C sees what A writes, then what B changes: an event (a line) each.
    const seen = (out: string) => out.split('\n').filter((l) => l === 'configmap/settings').length;
    const watch = c.follow(['get', 'configmaps', '-n', 'team', '-w', '-o', 'name']);
    try {
      await a.ok(['create', 'namespace', 'team']);
      await a.ok(['create', 'configmap', 'settings', '-n', 'team', '--from-literal=mode=fast']);
      await until(
        'C watched the ConfigMap A made',
        async () => watch.output(),
        (v) => seen(v) === 1,
      );
      await b.ok(['patch', 'configmap', 'settings', '-n', 'team', '-p', '{"data":{"mode":"slow"}}']);
      await until(
        'C watched B’s change',
        async () => watch.output(),
        (v) => seen(v) === 2,
      );
    } finally {
      watch.stop();
    }
    assert.equal(await c.ok(['get', 'configmap', 'settings', '-n', 'team', '-o', 'jsonpath={.data.mode}']), 'slow');

    // A write with the resourceVersion one server read, after another server changed it: 409.
    const stale = await a.ok(['get', 'configmap', 'settings', '-n', 'team', '-o', 'json']);
    await b.ok(['patch', 'configmap', 'settings', '-n', 'team', '-p', '{"data":{"mode":"b"}}']);
    const put = await c.kubectl(['replace', '-f', '-'], stale.replace('"slow"', '"c"'));
    assert.notEqual(put.code, 0);
    assert.match(put.stderr, /Operation cannot be fulfilled on configmaps "settings": the object has been modified/);

    // Server-side apply across servers: B's field conflicts with A's manager.
    const manifest = (mode: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'applied', namespace: 'team' },
        data: { mode },
      });
    await a.ok(['apply', '--server-side', '--field-manager=alpha', '-f', '-'], manifest('one'));
    const conflict = await b.kubectl(['apply', '--server-side', '--field-manager=beta', '-f', '-'], manifest('two'));
    assert.match(conflict.stderr, /conflict with "alpha"[\s\S]*\.data\.mode/);

    // A CRD made through one server is served by the others.
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Gadget', plural: 'gadgets' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer', maximum: 5 } } } },
              },
            },
          },
        ],
      },
    };
    await b.ok(['apply', '-f', '-'], JSON.stringify(crd));
    await until(
      'A serves gadgets',
      () => a.kubectl(['get', 'gadgets', '-n', 'team']).then((r) => String(r.code)),
      (v) => v === '0',
    );
    const gadget = (size: number) =>
      JSON.stringify({
        apiVersion: 'example.com/v1',
        kind: 'Gadget',
        metadata: { name: 'g', namespace: 'team' },
        spec: { size },
      });
    assert.match(
      (await a.kubectl(['apply', '-f', '-'], gadget(9))).stderr,
      /spec\.size in body should be less than or equal to 5/,
    );
    await a.ok(['apply', '-f', '-'], gadget(3));
    assert.equal(await c.ok(['get', 'gadget', 'g', '-n', 'team', '-o', 'jsonpath={.spec.size}']), '3');

    // The controllers run on the leader, whichever it is: a Deployment made through C gets its
    // ReplicaSet and pods (Pending: no server here runs an agent).
    await c.ok(['create', 'deployment', 'web', '-n', 'team', '--image=busybox', '--replicas=2']);
    await until(
      'the ReplicaSet and two pods',
      () => a.ok(['get', 'pods', '-n', 'team', '-o', 'name']),
      (v) => v.trim().split('\n').filter(Boolean).length === 2,
    );
    assert.match(await b.ok(['get', 'replicasets', '-n', 'team']), /web-\w+\s+2\s+2\s+0/);
    await a.ok(['delete', 'namespace', 'team']);
    await until(
      'the namespace gone from C',
      () => c.kubectl(['get', 'namespace', 'team']).then((r) => r.stderr),
      (v) => /not found/.test(v),
    );
  });
});
