import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { selfSigned } from '../e2e/self-signed.js';
import { conformanceApi, eventually, type Answer } from './client.js';

// [sig-api-machinery] AdmissionWebhook cases, named as the conformance suite names them: the
// webhooks are a server of the test's own, over HTTPS with a certificate its caBundle vouches for.
type Loose = Answer['body'];
type Review = {
  request: { uid: string; operation: string; object?: Loose; oldObject?: Loose; userInfo: Loose; name: string };
};

describe('[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] conformance', () => {
  const api = conformanceApi();
  let server: Server;
  let base = '';
  let caBundle = '';
  const seen: Review[] = [];
  const pki = mkdtempSync(join(tmpdir(), 'berth-webhook-pki-'));

  before(async () => {
    await selfSigned('127.0.0.1', join(pki, 'cert.pem'), join(pki, 'key.pem'));
    const cert = readFileSync(join(pki, 'cert.pem'));
    caBundle = cert.toString('base64');
    server = createServer({ key: readFileSync(join(pki, 'key.pem')), cert }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', async () => {
        const review = JSON.parse(body) as Review;
        seen.push(review);
        const r = review.request;
        const path = new URL(req.url ?? '/', 'https://x').pathname;
        let answer: object = { allowed: true };
        const data = (r.object?.data ?? {}) as Record<string, string>;
        if (path === '/configmaps' && data['webhook-e2e-test'] === 'webhook-disallow')
          answer = { allowed: false, status: { code: 403, message: 'the configmap contains unwanted key and value' } };
        if (path === '/pods' && r.object?.metadata?.labels?.['webhook-e2e-test'] === 'webhook-disallow')
          answer = {
            allowed: false,
            status: { message: 'the pod contains unwanted label; the pod contains unwanted container name;' },
          };
        if (path === '/deny-all')
          answer = { allowed: false, status: { code: 403, message: 'this webhook denies all requests' } };
        if (path === '/mutate') {
          const ops = [
            ...(r.object?.data ? [] : [{ op: 'add', path: '/data', value: {} }]),
            { op: 'add', path: '/data/mutation-stage-1', value: 'yes' },
          ];
          answer = {
            allowed: true,
            patchType: 'JSONPatch',
            patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
            warnings: ['mutated by the e2e webhook'],
          };
        }
        if (path === '/slow') await new Promise((resolve) => setTimeout(resolve, 3000));
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: { uid: r.uid, ...answer },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.close();
    rmSync(pki, { recursive: true, force: true });
  });

  const CMS = '/api/v1/namespaces/default/configmaps';
  const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
  const MWC = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
  const hook = (name: string, path: string, resources: string[], extra: object = {}) => ({
    name,
    clientConfig: { url: `${base}${path}`, caBundle },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1', 'v1beta1'],
    ...extra,
  });
  const cm = (name: string, data: Record<string, string>) => ({ metadata: { name }, data });

  it('[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to deny pod and configmap creation', async () => {
    const config = await api.ok('POST', VWC, {
      metadata: { name: 'deny-webhook-configuration' },
      webhooks: [
        hook('deny-unwanted-configmap-data.k8s.io', '/configmaps', ['configmaps']),
        hook('deny-unwanted-pod-container-name-and-label.k8s.io', '/pods', ['pods']),
      ],
    });
    // The API server's defaults.
    assert.deepEqual(
      [
        config.webhooks[0].failurePolicy,
        config.webhooks[0].matchPolicy,
        config.webhooks[0].timeoutSeconds,
        config.webhooks[0].rules[0].scope,
      ],
      ['Fail', 'Equivalent', 10, '*'],
    );
    const denied = await api.call('POST', CMS, cm('to-be-denied', { 'webhook-e2e-test': 'webhook-disallow' }));
    assert.equal(denied.status, 403);
    assert.equal(
      denied.body.message,
      'admission webhook "deny-unwanted-configmap-data.k8s.io" denied the request: the configmap contains unwanted key and value',
    );
    const pod = await api.call('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'disallowed-pod', labels: { 'webhook-e2e-test': 'webhook-disallow' } },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    });
    // No code in the webhook's status: 400.
    assert.equal(pod.status, 400);
    assert.match(
      pod.body.message,
      /^admission webhook "deny-unwanted-pod-container-name-and-label.k8s.io" denied the request: the pod contains unwanted label/,
    );
    // Allowed, then updated to what is not: refused, the object as it was.
    await api.ok('POST', CMS, cm('allowed', { ok: 'yes' }));
    const upd = await api.call(
      'PATCH',
      `${CMS}/allowed`,
      { data: { 'webhook-e2e-test': 'webhook-disallow' } },
      'application/merge-patch+json',
    );
    assert.equal(upd.status, 403);
    assert.deepEqual((await api.ok('GET', `${CMS}/allowed`)).data, { ok: 'yes' });
    // The webhook saw who asked, the operation, and the object before the update.
    const u = seen.find((s) => s.request.operation === 'UPDATE' && s.request.name === 'allowed');
    assert.deepEqual(u?.request.oldObject.data, { ok: 'yes' });
    assert.equal(typeof u?.request.userInfo.username, 'string');
    // A dry run is refused the same.
    assert.equal(
      (await api.call('POST', `${CMS}?dryRun=All`, cm('dry', { 'webhook-e2e-test': 'webhook-disallow' }))).status,
      403,
    );
    await api.ok('DELETE', `${VWC}/deny-webhook-configuration`);
    await api.ok('POST', CMS, cm('now-allowed', { 'webhook-e2e-test': 'webhook-disallow' }));
  });

  it('[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate configmap', async () => {
    await api.ok('POST', MWC, {
      metadata: { name: 'mutate-configmaps' },
      webhooks: [hook('adding-configmap-data-stage-1.k8s.io', '/mutate', ['configmaps'])],
    });
    const r = await api.call('POST', CMS, cm('to-be-mutated', { 'mutation-start': 'yes' }));
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.data, { 'mutation-start': 'yes', 'mutation-stage-1': 'yes' });
    assert.match(r.warning ?? '', /mutated by the e2e webhook/);
    assert.deepEqual((await api.ok('GET', `${CMS}/to-be-mutated`)).data, {
      'mutation-start': 'yes',
      'mutation-stage-1': 'yes',
    });
    // An update is mutated too.
    const updated = await api.ok('PUT', `${CMS}/to-be-mutated`, {
      ...(await api.ok('GET', `${CMS}/to-be-mutated`)),
      data: { other: 'x' },
    });
    assert.deepEqual(updated.data, { other: 'x', 'mutation-stage-1': 'yes' });
    await api.ok('DELETE', `${MWC}/mutate-configmaps`);
  });

  it("[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should mutate everything except 'skip-me' configmaps", async () => {
    await api.ok('POST', MWC, {
      metadata: { name: 'mutate-except-skip-me' },
      webhooks: [
        hook('adding-configmap-data-stage-1.k8s.io', '/mutate', ['configmaps'], {
          matchConditions: [{ name: 'skip-me', expression: 'object.metadata.name != "skip-me"' }],
        }),
      ],
    });
    assert.deepEqual((await api.ok('POST', CMS, cm('not-skipped', {}))).data, { 'mutation-stage-1': 'yes' });
    assert.deepEqual((await api.ok('POST', CMS, cm('skip-me', { a: 'b' }))).data, { a: 'b' });
    // A condition that does not compile is refused with the configuration.
    const bad = await api.call('POST', MWC, {
      metadata: { name: 'bad-condition' },
      webhooks: [
        hook('bad.k8s.io', '/mutate', ['configmaps'], { matchConditions: [{ name: 'x', expression: 'object.(' }] }),
      ],
    });
    assert.equal(bad.status, 422);
    assert.match(
      bad.body.message,
      /webhooks\[0\]\.matchConditions\[0\]\.expression: Invalid value: "object\.\(": compilation failed/,
    );
    await api.ok('DELETE', `${MWC}/mutate-except-skip-me`);
  });

  it('[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should honor timeout', async () => {
    await api.ok('POST', VWC, {
      metadata: { name: 'slow-fail' },
      webhooks: [hook('slow.k8s.io', '/slow', ['configmaps'], { timeoutSeconds: 1 })],
    });
    const slow = await api.call('POST', CMS, cm('slow-fail', {}));
    assert.equal(slow.status, 500);
    assert.match(
      slow.body.message,
      /^Internal error occurred: failed calling webhook "slow.k8s.io": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/slow\?timeout=1s": context deadline exceeded$/,
    );
    await api.ok('DELETE', `${VWC}/slow-fail`);
    // failurePolicy Ignore: the write goes on without it.
    await api.ok('POST', VWC, {
      metadata: { name: 'slow-ignore' },
      webhooks: [hook('slow.k8s.io', '/slow', ['configmaps'], { timeoutSeconds: 1, failurePolicy: 'Ignore' })],
    });
    assert.equal((await api.call('POST', CMS, cm('slow-ignore', {}))).status, 201);
    await api.ok('DELETE', `${VWC}/slow-ignore`);
  });

  it('[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should unconditionally reject operations on fail closed webhook', async () => {
    await api.ok('POST', VWC, {
      metadata: { name: 'fail-closed' },
      webhooks: [
        {
          ...hook('fail-closed.k8s.io', '/configmaps', ['configmaps']),
          clientConfig: { url: 'https://127.0.0.1:1/configmaps', caBundle },
          namespaceSelector: { matchLabels: { 'fail-closed-webhook': 'yes' } },
        },
      ],
    });
    await api.ok('POST', '/api/v1/namespaces', {
      metadata: { name: 'fail-closed', labels: { 'fail-closed-webhook': 'yes' } },
    });
    const r = await api.call('POST', '/api/v1/namespaces/fail-closed/configmaps', cm('x', {}));
    assert.equal(r.status, 500);
    assert.match(r.body.message, /failed calling webhook "fail-closed.k8s.io"/);
    // A namespace the selector does not match is not the webhook's.
    assert.equal((await api.call('POST', CMS, cm('elsewhere', {}))).status, 201);
    await api.ok('DELETE', `${VWC}/fail-closed`);
  });

  it('[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should be able to deny attaching pod', async () => {
    await api.ok('POST', VWC, {
      metadata: { name: 'deny-attaching-pod' },
      webhooks: [
        {
          ...hook('deny-attaching-pod.k8s.io', '/deny-all', ['pods/attach']),
          rules: [{ operations: ['CONNECT'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/attach'] }],
        },
      ],
    });
    await api.ok('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'to-be-attached-pod' },
      spec: { containers: [{ name: 'container1', image: 'busybox', stdin: true, tty: true }] },
    });
    const url = `${api.base().replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/to-be-attached-pod/attach?container=container1&stdin=true&stdout=true&tty=true`;
    const refused = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(url, ['v5.channel.k8s.io']);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('the attach was opened')));
      ws.on('error', () => undefined);
    });
    assert.equal(refused.code, 403);
    assert.equal(
      JSON.parse(refused.body).message,
      'admission webhook "deny-attaching-pod.k8s.io" denied the request: this webhook denies all requests',
    );
    const review = seen.find((s) => s.request.operation === 'CONNECT');
    assert.equal(review?.request.object.kind, 'PodAttachOptions');
    assert.equal(review?.request.object.container, 'container1');
    await api.ok('DELETE', `${VWC}/deny-attaching-pod`);
  });

  it('[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] patching/updating a validating webhook should work', async () => {
    await api.ok('POST', VWC, {
      metadata: { name: 'patched' },
      webhooks: [hook('deny-all.k8s.io', '/deny-all', ['configmaps'])],
    });
    assert.equal((await api.call('POST', CMS, cm('patched-1', {}))).status, 403);
    // Its rules changed to UPDATE only: a create goes through.
    const c = await api.ok('GET', `${VWC}/patched`);
    c.webhooks[0].rules[0].operations = ['UPDATE'];
    await api.ok('PUT', `${VWC}/patched`, c);
    assert.equal((await api.call('POST', CMS, cm('patched-2', {}))).status, 201);
    await api.ok(
      'PATCH',
      `${VWC}/patched`,
      [{ op: 'replace', path: '/webhooks/0/rules/0/operations', value: ['CREATE'] }],
      'application/json-patch+json',
    );
    assert.equal((await api.call('POST', CMS, cm('patched-3', {}))).status, 403);
    await api.ok('DELETE', `${VWC}/patched`);
  });

  it('[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] listing validating webhooks should work', async () => {
    for (const n of ['listed-1', 'listed-2'])
      await api.ok('POST', VWC, {
        metadata: { name: n, labels: { e2e: 'list' } },
        webhooks: [hook('deny-all.k8s.io', '/deny-all', ['configmaps'])],
      });
    assert.equal((await api.ok('GET', `${VWC}?labelSelector=e2e%3Dlist`)).items.length, 2);
    assert.equal((await api.call('POST', CMS, cm('listed', {}))).status, 403);
    await api.ok('DELETE', `${VWC}?labelSelector=e2e%3Dlist`);
    await eventually(
      () => api.call('POST', CMS, cm('listed', {})),
      (r) => r.status === 201,
    );
  });

  it('[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should not be able to mutate or prevent deletion of webhook configuration objects', async () => {
    await api.ok('POST', VWC, {
      metadata: { name: 'deny-config-deletion' },
      webhooks: [
        {
          ...hook('deny-config.k8s.io', '/deny-all', [
            'validatingwebhookconfigurations',
            'mutatingwebhookconfigurations',
          ]),
          rules: [
            { operations: ['*'], apiGroups: ['admissionregistration.k8s.io'], apiVersions: ['*'], resources: ['*'] },
          ],
        },
      ],
    });
    await api.ok('POST', VWC, {
      metadata: { name: 'dummy' },
      webhooks: [hook('dummy.k8s.io', '/configmaps', ['configmaps'])],
    });
    await api.ok('DELETE', `${VWC}/dummy`);
    await api.ok('DELETE', `${VWC}/deny-config-deletion`);
  });

  it('refuses a webhook configuration that breaks the API server’s rules', async () => {
    const r = await api.call('POST', VWC, {
      metadata: { name: 'bad' },
      webhooks: [
        {
          name: 'short.name',
          clientConfig: { url: 'http://example.com/x' },
          rules: [{ operations: ['READ'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          sideEffects: 'Some',
          admissionReviewVersions: ['v2'],
          timeoutSeconds: 31,
        },
      ],
    });
    assert.equal(r.status, 422);
    assert.deepEqual(
      r.body.details.causes.map((c: { field: string }) => c.field),
      [
        'webhooks[0].name',
        'webhooks[0].clientConfig.url',
        'webhooks[0].rules[0].operations',
        'webhooks[0].sideEffects',
        'webhooks[0].timeoutSeconds',
        'webhooks[0].admissionReviewVersions',
      ],
    );
  });
});
