import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../kernel/index.js';
import type { WebhookClient } from './deps.js';
import { CONFIG_MAP, NAMESPACE, POD } from './kinds.js';
import { createObject, getObject, updateObject } from './objects.js';
import { deleteObject } from './delete.js';
import { testKube } from './test-kube.js';
import { MUTATING_WEBHOOK_CONFIGURATION, VALIDATING_WEBHOOK_CONFIGURATION } from './webhook-kinds.js';

type Call = {
  url: string;
  request: { operation: string; subResource?: string; name: string; object: { data?: object } };
};

/** A webhook client that answers as `answer` says, recording each call. */
function client(answer: (c: Call) => object): WebhookClient & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    async post(url, body) {
      const review = body as { request: Call['request'] & { uid: string } };
      const call = { url, request: review.request };
      calls.push(call);
      return { response: { uid: review.request.uid, ...answer(call) } };
    },
  };
}

const hook = (name: string, rules: object[], extra: object = {}) => ({
  name,
  clientConfig: { url: `https://hooks.example/${name}` },
  rules,
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});
const cms = { cluster: 'c', kind: CONFIG_MAP, namespace: 'default' };

describe('admission webhooks', () => {
  it('asks the webhooks whose rules, subresources and namespace selector match, in order, and applies their patches', async () => {
    const deps = await testKube();
    const c = client((call) =>
      call.url.endsWith('mutate.example.com')
        ? {
            allowed: true,
            patchType: 'JSONPatch',
            patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/data/added', value: '1' }])).toString('base64'),
          }
        : { allowed: true },
    );
    const withHooks = { ...deps, webhooks: c };
    await createObject(
      withHooks,
      { cluster: 'c', kind: MUTATING_WEBHOOK_CONFIGURATION },
      {
        metadata: { name: 'm' },
        webhooks: [
          hook('mutate.example.com', [
            { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] },
          ]),
        ],
      },
    );
    await createObject(
      withHooks,
      { cluster: 'c', kind: VALIDATING_WEBHOOK_CONFIGURATION },
      {
        metadata: { name: 'v' },
        webhooks: [
          hook('status.example.com', [
            { operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/status'] },
          ]),
          hook(
            'labelled.example.com',
            [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
            {
              namespaceSelector: { matchLabels: { hooks: 'on' } },
            },
          ),
        ],
      },
    );
    const made = await createObject(withHooks, cms, { metadata: { name: 'x' }, data: { a: 'b' } });
    assert.deepEqual(made.object['data'], { a: 'b', added: '1' });
    assert.deepEqual(
      c.calls.map((x) => x.url),
      ['https://hooks.example/mutate.example.com'],
    );
    // The pod's status subresource is matched only by a rule that names it.
    c.calls.length = 0;
    await createObject(
      withHooks,
      { cluster: 'c', kind: POD, namespace: 'default' },
      { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'busybox' }] } },
    );
    await updateObject(
      withHooks,
      { cluster: 'c', kind: POD, namespace: 'default' },
      'p',
      (o) => ({ ...o, status: { phase: 'Running' } }),
      { statusOnly: true },
    );
    assert.deepEqual(
      c.calls.map((x) => [x.request.operation, x.request.subResource]),
      [['UPDATE', 'status']],
    );
    // A namespace labelled for the webhook: every write there is its.
    c.calls.length = 0;
    await updateObject(withHooks, { cluster: 'c', kind: NAMESPACE }, 'default', (o) => ({
      ...o,
      metadata: { ...(o['metadata'] as object), labels: { hooks: 'on' } },
    }));
    await deleteObject(withHooks, cms, 'x');
    assert.deepEqual(
      c.calls.map((x) => [x.url.split('/').pop(), x.request.operation]),
      [
        ['labelled.example.com', 'UPDATE'],
        ['labelled.example.com', 'DELETE'],
      ],
    );
  });

  it('refuses what a webhook denies, and a write no webhook can be asked about under failurePolicy Fail', async () => {
    const deps = await testKube();
    const denying = { ...deps, webhooks: client(() => ({ allowed: false, status: { code: 422, message: 'no' } })) };
    await createObject(
      denying,
      { cluster: 'c', kind: VALIDATING_WEBHOOK_CONFIGURATION },
      {
        metadata: { name: 'v' },
        webhooks: [
          hook('deny.example.com', [
            { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] },
          ]),
        ],
      },
    );
    await assert.rejects(
      createObject(denying, cms, { metadata: { name: 'x' } }),
      (e) =>
        isBerthError(e) &&
        e.kind === 'InvalidParameter' &&
        e.message === 'admission webhook "deny.example.com" denied the request: no',
    );
    // Without a client (or a webhook that cannot be reached) the write fails closed.
    await assert.rejects(
      createObject(deps, cms, { metadata: { name: 'x' } }),
      (e) => isBerthError(e) && e.kind === 'Internal' && /failed calling webhook "deny.example.com"/.test(e.message),
    );
    assert.throws(() => getObject(deps, cms, 'x'), /not found/);
  });

  it('asks an IfNeeded webhook again when a later one changed the object; a condition that fails to evaluate fails closed or is passed over', async () => {
    const deps = await testKube();
    const patch = (ops: object[]) => ({
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
    });
    const c = client((call) =>
      call.url.endsWith('first.example.com')
        ? { allowed: true }
        : patch([{ op: 'add', path: '/data/second', value: 'x' }]),
    );
    const withHooks = { ...deps, webhooks: c };
    const rule = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }];
    await createObject(
      withHooks,
      { cluster: 'c', kind: MUTATING_WEBHOOK_CONFIGURATION },
      {
        metadata: { name: 'a' },
        webhooks: [
          hook('first.example.com', rule, { reinvocationPolicy: 'IfNeeded' }),
          hook('second.example.com', rule),
        ],
      },
    );
    const made = await createObject(withHooks, cms, { metadata: { name: 'x' }, data: {} });
    assert.deepEqual(made.object['data'], { second: 'x' });
    assert.deepEqual(
      c.calls.map((x) => x.url.split('/').pop()),
      ['first.example.com', 'second.example.com', 'first.example.com'],
    );
    // The second call saw the object as the second webhook left it.
    assert.deepEqual(c.calls[2]?.request.object.data, { second: 'x' });
    await createObject(
      withHooks,
      { cluster: 'c', kind: VALIDATING_WEBHOOK_CONFIGURATION },
      {
        metadata: { name: 'v' },
        webhooks: [
          hook('cond.example.com', rule, { matchConditions: [{ name: 'broken', expression: 'object.nope == 1' }] }),
        ],
      },
    );
    // A patch that does not apply (no data to add to) fails the write in the server's words.
    await assert.rejects(
      createObject(withHooks, cms, { metadata: { name: 'nodata' } }),
      (e) => isBerthError(e) && e.kind === 'Internal' && /returned a patch that does not apply/.test(e.message),
    );
    await assert.rejects(
      createObject(withHooks, cms, { metadata: { name: 'y' }, data: {} }),
      (e) => isBerthError(e) && /match condition "broken" could not be evaluated/.test(e.message),
    );
    await updateObject(withHooks, { cluster: 'c', kind: VALIDATING_WEBHOOK_CONFIGURATION }, 'v', (o) => {
      const next = structuredClone(o) as { webhooks: { failurePolicy: string }[] };
      next.webhooks[0]!.failurePolicy = 'Ignore';
      return next;
    });
    await createObject(withHooks, cms, { metadata: { name: 'y' }, data: {} });
  });
});
