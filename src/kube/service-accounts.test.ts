import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, type Logger } from '../kernel/index.js';
import { servingCertificate, rsaKeyPair } from './certificates.js';
import { clusterKeys, ensureClusterKeys } from './cluster-keys.js';
import { CONFIG_MAP, NAMESPACE, POD, SERVICE_ACCOUNT } from './kinds.js';
import { syncNodes } from './nodes.js';
import { createObject, getObject } from './objects.js';
import { PodHosts } from './pod-hosts.js';
import { SERVICE_ACCOUNT_DIR } from './service-account-admission.js';
import { authenticate, requestToken } from './service-account-auth.js';
import { startServiceAccountController } from './service-account-controller.js';
import { API_AUDIENCE, extendedToken, serviceAccountClaims, TokenSigner } from './service-account-tokens.js';
import { deleteObject } from './delete.js';
import { testKube } from './test-kube.js';

const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;
const ns = (kind = POD, namespace = 'default') => ({ cluster: 'c', kind, namespace });

/** One pair of keys for the whole file (an RSA key takes a while to make). */
let keysOnce: Promise<{ tokenKey: string; tokenPublicKey: string; caCert: string; caKey: string }> | undefined;
async function world() {
  const deps = await testKube();
  const made = await (keysOnce ??= ensureClusterKeys(deps, 'c'));
  await deps.store.transact((tx) => {
    if (!tx.get(clusterKeys, 'c')) tx.put(clusterKeys, { cluster: 'c', ...made });
  });
  await syncNodes(deps, 'c', {
    hosts: () => [{ id: 'h1', name: 'box', cpu: 2048, memory: 1024, connected: true, address: '10.0.0.5' }],
  });
  return { deps, keys: made };
}

async function eventually<T>(what: string, f: () => T | undefined): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = f();
    if (v !== undefined) return v;
    await sleep(10);
  }
  assert.fail(`never: ${what}`);
}

const now = () => Math.floor(Date.UTC(2026, 0, 1) / 1000);

describe('service account tokens', () => {
  it('signs and checks a token: signature, issuer, audience and time, hostile shapes refused', async () => {
    const { keys } = await world();
    const signer = new TokenSigner(keys);
    const claims = serviceAccountClaims({
      namespace: 'default',
      serviceAccount: { name: 'default', uid: 'u1' },
      audiences: [API_AUDIENCE],
      issuedAt: now(),
      expiresAt: now() + 600,
      jti: 'j',
    });
    const token = signer.mint(claims);
    assert.equal(signer.mint(claims), token, 'the same claims give the same token');
    assert.deepEqual(signer.check(token, now() + 10), { claims });
    const [h, , s] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString(
      'base64url',
    );
    assert.match((signer.check(`${h}.${forged}.${s}`, now()) as { error: string }).error, /cryptographic/);
    assert.match((signer.check(token, now() + 700) as { error: string }).error, /expired/);
    assert.match((signer.check(token, now(), ['other']) as { error: string }).error, /audiences/);
    assert.equal(signer.check('k8s-aws-v1.abc', now()), undefined, 'another kind of token is not ours');
    assert.equal(signer.check(`${'a'.repeat(9000)}.b.c`, now()), undefined);
    const foreign = Buffer.from(JSON.stringify({ ...claims, iss: 'https://elsewhere' })).toString('base64url');
    assert.equal(signer.check(`${h}.${foreign}.${s}`, now()), undefined);
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    assert.match(
      (signer.check(`${none}.${token.split('.')[1] ?? ''}.${s}`, now()) as { error: string }).error,
      /algorithm/,
    );
    // A payload whose claims lean on the prototype (no own `kubernetes.io`) is malformed, signed or not.
    const { ['kubernetes.io']: _k, ...bare } = claims;
    const odd = signer.mint({ ...bare, __proto__: { 'kubernetes.io': claims['kubernetes.io'] } } as never);
    assert.match((signer.check(odd, now()) as { error: string }).error, /malformed/);
    // Only kube-api-access's request is made to last a year; the same seconds for an audience expire, and are renewed.
    assert.equal(extendedToken({ expirationSeconds: 3607 }), true);
    assert.equal(extendedToken({ expirationSeconds: 3607, audience: 'vault' }), false);
    assert.equal(extendedToken({}), false);
  });

  it('a serving certificate is signed by the cluster CA for the names given', async () => {
    const { keys } = await world();
    const pair = await rsaKeyPair();
    const pem = servingCertificate(
      { cert: keys.caCert, key: keys.caKey },
      pair,
      { dns: ['kubernetes.default.svc'], ips: ['10.96.0.1'] },
      new Date(),
    );
    const cert = new X509Certificate(pem);
    const ca = new X509Certificate(keys.caCert);
    assert.ok(ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey));
    assert.equal(cert.subjectAltName, 'DNS:kubernetes.default.svc, IP Address:10.96.0.1');
    assert.equal(cert.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
  });

  it('every namespace gets the default service account and the root CA ConfigMap, made again when deleted', async () => {
    const { deps, keys } = await world();
    const c = startServiceAccountController(deps, 'c', quiet);
    try {
      await createObject(deps, { cluster: 'c', kind: NAMESPACE }, { metadata: { name: 'team' } });
      const cm = await eventually('kube-root-ca.crt', () => {
        try {
          return getObject(deps, ns(CONFIG_MAP, 'team'), 'kube-root-ca.crt');
        } catch {
          return undefined;
        }
      });
      assert.deepEqual(cm['data'], { 'ca.crt': keys.caCert });
      const sa = getObject(deps, ns(SERVICE_ACCOUNT, 'team'), 'default');
      await deleteObject(deps, ns(SERVICE_ACCOUNT, 'team'), 'default', {});
      await eventually('default again', () => {
        try {
          const again = getObject(deps, ns(SERVICE_ACCOUNT, 'team'), 'default');
          return metaOfUid(again) !== metaOfUid(sa) ? again : undefined;
        } catch {
          return undefined;
        }
      });
    } finally {
      c.stop();
    }
  });

  it('mounts kube-api-access into a new pod, unless turned off; an unknown service account refuses it', async () => {
    const { deps } = await world();
    await createObject(deps, ns(SERVICE_ACCOUNT), { metadata: { name: 'quiet' }, automountServiceAccountToken: false });
    const pod = (name: string, extra: Record<string, unknown> = {}) => ({
      metadata: { name },
      spec: {
        containers: [{ name: 'main', image: 'app' }],
        initContainers: [{ name: 'init', image: 'app' }],
        ...extra,
      },
    });
    const made = (await createObject(deps, ns(), pod('web'))).object;
    const spec = made['spec'] as {
      volumes: { name: string; projected?: { sources: Record<string, unknown>[] } }[];
      containers: { volumeMounts: unknown[] }[];
      initContainers: { volumeMounts: unknown[] }[];
    };
    const vol = spec.volumes[0];
    assert.match(vol?.name ?? '', /^kube-api-access-[a-z0-9]{5}$/);
    assert.deepEqual(vol?.projected?.sources[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    const mount = { name: vol?.name, readOnly: true, mountPath: SERVICE_ACCOUNT_DIR };
    assert.deepEqual(spec.containers[0]?.volumeMounts, [mount]);
    assert.deepEqual(spec.initContainers[0]?.volumeMounts, [mount]);
    for (const [name, extra] of [
      ['off', { automountServiceAccountToken: false }],
      ['sa-off', { serviceAccountName: 'quiet' }],
    ] as const) {
      const o = (await createObject(deps, ns(), pod(name, extra))).object;
      assert.equal((o['spec'] as { volumes?: unknown[] }).volumes, undefined, name);
    }
    await assert.rejects(
      createObject(deps, ns(), pod('lost', { serviceAccountName: 'robot' })),
      (e: BerthError) =>
        e.kind === 'AccessDenied' &&
        e.message ===
          'pods "lost" is forbidden: error looking up service account default/robot: serviceaccount "robot" not found',
    );
  });

  it('gives a pod its token on its node, the same each time, bound to the pod; deleted, the token is refused', async () => {
    const { deps } = await world();
    await createObject(deps, ns(SERVICE_ACCOUNT), { metadata: { name: 'default' } });
    await createObject(deps, ns(CONFIG_MAP), { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'CA' } });
    await createObject(deps, ns(), {
      metadata: { name: 'web' },
      spec: { nodeName: 'box', containers: [{ name: 'main', image: 'app' }] },
    });
    const hosts = new PodHosts(deps, 'c');
    try {
      const files = () => {
        const [w] = hosts.forHost({ id: 'h1' });
        const v = w?.sandbox.volumes.find((x) => x.name.startsWith('kube-api-access-'));
        const src = v?.source as { files: { path: string; content: string }[] } | undefined;
        return Object.fromEntries((src?.files ?? []).map((f) => [f.path, Buffer.from(f.content, 'base64').toString()]));
      };
      const first = files();
      assert.deepEqual(Object.keys(first).sort(), ['ca.crt', 'namespace', 'token']);
      assert.equal(first['namespace'], 'default');
      assert.equal(files()['token'], first['token'], 'the same token while it is fresh');
      const who = authenticate(deps, 'c', first['token'] as string);
      assert.ok(who && 'user' in who);
      assert.equal(who.user.username, 'system:serviceaccount:default:default');
      assert.deepEqual(who.user.extra?.['authentication.kubernetes.io/pod-name'], ['web']);
      assert.deepEqual(who.user.extra?.['authentication.kubernetes.io/node-name'], ['box']);
      // The year-long kube-api-access token: past its hour it is still taken.
      deps.clock.advance(2 * 3600 * 1000);
      assert.ok('user' in (authenticate(deps, 'c', first['token'] as string) ?? {}));
      await deleteObject(deps, ns(), 'web', { gracePeriodSeconds: 0 });
      await eventually('pod gone', () => {
        try {
          getObject(deps, ns(), 'web');
          return undefined;
        } catch {
          return true;
        }
      });
      assert.deepEqual(authenticate(deps, 'c', first['token'] as string), {
        error: 'invalid bearer token, pods "web" not found',
      });
    } finally {
      hosts.close();
    }
  });

  it('issues tokens on request (serviceaccounts/token), checked against their audiences and lifetime', async () => {
    const { deps } = await world();
    await createObject(deps, ns(SERVICE_ACCOUNT), { metadata: { name: 'builder' } });
    const tr = requestToken(deps, 'c', 'default', 'builder', {
      spec: { expirationSeconds: 600, audiences: ['vault'] },
    });
    const status = tr['status'] as { token: string; expirationTimestamp: string };
    assert.equal(status.expirationTimestamp, '2026-01-01T00:10:00Z');
    assert.equal(authenticate(deps, 'c', status.token, ['vault']) !== undefined, true);
    assert.ok('user' in (authenticate(deps, 'c', status.token, ['vault']) ?? {}));
    assert.match((authenticate(deps, 'c', status.token) as { error: string }).error, /audiences/);
    deps.clock.advance(11 * 60 * 1000 + 60_000);
    assert.match((authenticate(deps, 'c', status.token, ['vault']) as { error: string }).error, /expired/);
    assert.throws(
      () => requestToken(deps, 'c', 'default', 'builder', { spec: { expirationSeconds: 60 } }),
      /spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/,
    );
    assert.throws(() => requestToken(deps, 'c', 'default', 'nobody', {}), /serviceaccounts "nobody" not found/);
    assert.throws(
      () => requestToken(deps, 'c', 'default', 'builder', { spec: { boundObjectRef: { kind: 'Pod', name: 'gone' } } }),
      /pods "gone" not found/,
    );
  });
});

const metaOfUid = (o: Record<string, unknown>) => (o['metadata'] as { uid?: string }).uid;
