import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { certificateNameCovers as nameCovers, isBerthError } from '../kernel/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import {
  addListenerCertificates,
  createListener,
  createLoadBalancer,
  createTargetGroup,
  describeListenerCertificates,
  loadBalancersUsingCertificate,
  removeListenerCertificates,
  type ElbDeps,
} from './index.js';

const CERTS = ['arn:aws:acm:us-east-1:000000000000:certificate/a', 'arn:aws:acm:us-east-1:000000000000:certificate/b'];
const deps = (): ElbDeps => ({
  store: localShared(new MemoryStore()),
  clock: new ManualClock(Date.UTC(2026, 11, 5)),
  accountId: '000000000000',
  region: 'us-east-1',
  hosts: { addressOf: () => undefined },
  certificates: {
    pem: (arn) => (CERTS.includes(arn) ? { certificate: 'C', privateKey: 'K', names: ['x'] } : undefined),
  },
});
const free = async () => true;

async function listeners(d: ElbDeps) {
  const lb = await createLoadBalancer(d, { Name: 'web' });
  const tg = await createTargetGroup(d, { Name: 'web', Protocol: 'HTTP', Port: 80 });
  const forward = [{ Type: 'forward', TargetGroupArn: tg.arn }];
  const secure = await createListener(
    d,
    {
      LoadBalancerArn: lb.arn,
      Port: 443,
      Protocol: 'HTTPS',
      DefaultActions: forward,
      Certificates: [{ CertificateArn: CERTS[0] }],
    },
    free,
  );
  const plain = await createListener(d, { LoadBalancerArn: lb.arn, Port: 80, DefaultActions: forward }, free);
  return { lb, secure, plain };
}

const refusal = (
  p: Promise<unknown>,
  check: (e: { kind: string; detail: Record<string, unknown>; message: string }) => boolean,
) => assert.rejects(p, (e) => isBerthError(e) && check(e as never));

describe('a listener’s certificate list', () => {
  it('adds a certificate once, describes the default first, and removes all but the default', async () => {
    const d = deps();
    const { lb, secure } = await listeners(d);
    assert.deepEqual(describeListenerCertificates(d, secure.arn), [{ CertificateArn: CERTS[0], IsDefault: true }]);
    const added = await addListenerCertificates(d, secure.arn, [{ CertificateArn: CERTS[1] }]);
    assert.deepEqual(added, [{ CertificateArn: CERTS[1], IsDefault: false }]);
    await addListenerCertificates(d, secure.arn, [{ CertificateArn: CERTS[1] }]);
    assert.deepEqual(describeListenerCertificates(d, secure.arn), [
      { CertificateArn: CERTS[0], IsDefault: true },
      { CertificateArn: CERTS[1], IsDefault: false },
    ]);
    // ACM's InUseBy counts the list as well as the default.
    assert.deepEqual(loadBalancersUsingCertificate(d, CERTS[1] as string), [lb.arn]);
    await refusal(
      removeListenerCertificates(d, secure.arn, [{ CertificateArn: CERTS[0] }]),
      (e) => e.detail['reason'] === 'operation-not-permitted' && /default certificate/.test(e.message),
    );
    await removeListenerCertificates(d, secure.arn, [{ CertificateArn: CERTS[1] }]);
    assert.deepEqual(describeListenerCertificates(d, secure.arn), [{ CertificateArn: CERTS[0], IsDefault: true }]);
    assert.deepEqual(loadBalancersUsingCertificate(d, CERTS[1] as string), []);
  });

  it('refuses an unknown certificate, an HTTP listener, an empty list and an unknown listener', async () => {
    const d = deps();
    const { secure, plain } = await listeners(d);
    await refusal(
      addListenerCertificates(d, secure.arn, [{ CertificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/zz' }]),
      (e) => e.kind === 'NotFound' && e.detail['resource'] === 'certificate',
    );
    await refusal(
      addListenerCertificates(d, plain.arn, [{ CertificateArn: CERTS[1] }]),
      (e) => e.detail['reason'] === 'operation-not-permitted' && /not an HTTPS listener/.test(e.message),
    );
    await refusal(addListenerCertificates(d, secure.arn, []), (e) => e.detail['field'] === 'Certificates');
    await refusal(addListenerCertificates(d, secure.arn, [{}]), (e) => e.detail['field'] === 'Certificates.member.1');
    await refusal(
      addListenerCertificates(d, `${secure.arn}0`, [{ CertificateArn: CERTS[1] }]),
      (e) => e.kind === 'NotFound' && e.detail['resource'] === 'listener',
    );
    assert.deepEqual(describeListenerCertificates(d, secure.arn).length, 1);
  });
});

describe('SNI names', () => {
  it('match the same name in any case, and a wildcard for exactly one more label', () => {
    assert.ok(nameCovers('api.test', 'API.test'));
    assert.ok(nameCovers('*.example.com', 'www.example.com'));
    assert.ok(!nameCovers('*.example.com', 'example.com'));
    assert.ok(!nameCovers('*.example.com', 'a.b.example.com'));
    assert.ok(!nameCovers('*.example.com', '.example.com'));
    assert.ok(!nameCovers('api.test', 'www.api.test'));
  });
});
