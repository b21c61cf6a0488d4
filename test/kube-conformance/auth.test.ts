import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { conformanceApi, eventually } from './client.js';

// [sig-auth] cases: service accounts, their tokens, TokenReview and the issuer's OIDC discovery.
describe('[sig-auth] conformance', () => {
  const api = conformanceApi();
  const ns = async (name: string) => api.ok('POST', '/api/v1/namespaces', { metadata: { name } });
  const rootCa = (n: string) => `/api/v1/namespaces/${n}/configmaps/kube-root-ca.crt`;

  it('ServiceAccounts should guarantee kube-root-ca.crt exist in any namespace', async () => {
    await ns('root-ca');
    const get = () => api.call('GET', rootCa('root-ca'));
    const first = (await eventually(get, (r) => r.status === 200)).body;
    assert.match(first.data['ca.crt'], /^-----BEGIN CERTIFICATE-----/);
    await api.ok('DELETE', rootCa('root-ca'));
    const again = (await eventually(get, (r) => r.status === 200)).body;
    assert.equal(again.data['ca.crt'], first.data['ca.crt']);
    await api.ok('PATCH', rootCa('root-ca'), { data: { 'ca.crt': 'changed' } }, 'application/merge-patch+json');
    await eventually(get, (r) => r.body?.data?.['ca.crt'] === first.data['ca.crt']);
  });

  it('ServiceAccounts should run through the lifecycle of a ServiceAccount', async () => {
    const path = '/api/v1/namespaces/default/serviceaccounts';
    await api.ok('POST', path, { metadata: { name: 'life', labels: { 'test-sa': 'static' } } });
    const patched = await api.ok(
      'PATCH',
      `${path}/life`,
      { automountServiceAccountToken: false },
      'application/strategic-merge-patch+json',
    );
    assert.equal(patched.automountServiceAccountToken, false);
    const found = await api.ok('GET', `/api/v1/serviceaccounts?labelSelector=test-sa%3Dstatic`);
    assert.deepEqual(
      found.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['life'],
    );
    await api.ok('DELETE', `${path}?labelSelector=test-sa%3Dstatic`);
    assert.equal((await api.call('GET', `${path}/life`)).status, 404);
  });

  it('ServiceAccounts should allow opting out of API token automount', async () => {
    await ns('automount');
    const sa = '/api/v1/namespaces/automount/serviceaccounts';
    await eventually(
      () => api.call('GET', `${sa}/default`),
      (r) => r.status === 200,
    );
    await api.ok('POST', sa, { metadata: { name: 'mount' }, automountServiceAccountToken: true });
    await api.ok('POST', sa, { metadata: { name: 'nomount' }, automountServiceAccountToken: false });
    const cases: [string, string, boolean | undefined, boolean][] = [
      ['pod-default', 'default', undefined, true],
      ['pod-mount', 'mount', undefined, true],
      ['pod-nomount', 'nomount', undefined, false],
      ['pod-mount-off', 'mount', false, false],
      ['pod-nomount-on', 'nomount', true, true],
    ];
    for (const [name, account, podSays, mounted] of cases) {
      const pod = await api.ok('POST', '/api/v1/namespaces/automount/pods', {
        metadata: { name },
        spec: {
          serviceAccountName: account,
          ...(podSays !== undefined ? { automountServiceAccountToken: podSays } : {}),
          containers: [{ name: 'main', image: 'app' }],
        },
      });
      const mounts = (pod.spec.containers[0].volumeMounts ?? []) as { mountPath: string }[];
      assert.equal(
        mounts.some((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'),
        mounted,
        name,
      );
    }
  });

  it('ServiceAccounts should create a serviceAccountToken and ensure a successful TokenReview', async () => {
    await api.ok('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'reviewed' } });
    const tr = await api.ok('POST', '/api/v1/namespaces/default/serviceaccounts/reviewed/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    assert.equal(tr.spec.expirationSeconds, 3600);
    const review = await api.ok('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: tr.status.token },
    });
    assert.equal(review.status.authenticated, true);
    assert.equal(review.status.user.username, 'system:serviceaccount:default:reviewed');
    const bad = await api.ok('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      spec: { token: `${String(tr.status.token).slice(0, -4)}AAAA` },
    });
    assert.equal(bad.status.authenticated, undefined);
    assert.match(bad.status.error, /invalid bearer token/);
  });

  it('ServiceAccounts ServiceAccountIssuerDiscovery should support OIDC discovery of service account issuer', async () => {
    const config = await api.ok('GET', '/.well-known/openid-configuration');
    assert.equal(config.issuer, 'https://kubernetes.default.svc.cluster.local');
    assert.equal(config.jwks_uri, `${config.issuer}/openid/v1/jwks`);
    assert.deepEqual(config.id_token_signing_alg_values_supported, ['RS256']);
    const jwks = await api.ok('GET', '/openid/v1/jwks');
    const tr = await api.ok('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', {
      spec: { audiences: ['oidc-discovery-test'] },
    });
    const [h, p, s] = String(tr.status.token).split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const jwk = jwks.keys.find((k: { kid: string }) => k.kid === header.kid);
    assert.ok(jwk, 'the token’s key is in the key set');
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')));
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    assert.equal(claims.iss, config.issuer);
    assert.deepEqual(claims.aud, ['oidc-discovery-test']);
  });

  it('SubjectReview should support SubjectReview API operations', async () => {
    const review = (path: string, namespace: string) =>
      api.ok('POST', path, {
        spec: {
          user: 'alice',
          groups: ['team'],
          resourceAttributes: { namespace, verb: 'list', resource: 'configmaps' },
        },
      });
    const sar = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
    const local = (ns: string) => `/apis/authorization.k8s.io/v1/namespaces/${ns}/localsubjectaccessreviews`;
    assert.equal((await review(sar, 'default')).status.allowed, false);
    await api.ok('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      metadata: { name: 'alice-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    });
    const allowed = await review(sar, 'default');
    assert.equal(allowed.status.allowed, true);
    assert.match(allowed.status.reason, /RoleBinding "alice-view"/);
    assert.equal((await review(local('default'), 'default')).status.allowed, true);
    await ns('sar-other');
    assert.equal((await review(local('sar-other'), '')).status.allowed, false);
    const mismatch = await api.call('POST', local('sar-other'), {
      spec: { user: 'alice', resourceAttributes: { namespace: 'default', verb: 'list', resource: 'configmaps' } },
    });
    assert.equal(mismatch.status, 422);
  });
});
