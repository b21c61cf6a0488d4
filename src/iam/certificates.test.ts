import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { isBerthError } from '../kernel/index.js';
import { MemoryStore } from '../store/memory-store.js';
import { localShared } from '../store/shared-local.js';
import {
  deleteCertificate,
  getCertificate,
  importCertificate,
  Sealer,
  servedCertificate,
  type IamDeps,
} from './index.js';

// A self-signed P-256 certificate for shop.test and *.shop.test (valid for a century), its key,
// and another key that does not match it.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBojCCAUigAwIBAgIUayCoJuKkIIWK+9IB8/7o8jBmN0wwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJc2hvcC50ZXN0MCAXDTI2MTIwMzAzMTQwMloYDzIxMjYxMTA5
MDMxNDAyWjAUMRIwEAYDVQQDDAlzaG9wLnRlc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARC4dYx6SzHiyjP6TNvRJyZM2GIIvsmctxWrXmRjc1HNAfBAUdsbyJ4
Eqjk36GnBenubFoXTcPob7NtkabMTHTlo3YwdDAdBgNVHQ4EFgQU1nJyNj1Jbcmn
A02Y4+8z+gRQKa4wHwYDVR0jBBgwFoAU1nJyNj1JbcmnA02Y4+8z+gRQKa4wDwYD
VR0TAQH/BAUwAwEB/zAhBgNVHREEGjAYgglzaG9wLnRlc3SCCyouc2hvcC50ZXN0
MAoGCCqGSM49BAMCA0gAMEUCIForQ9EcXdumij9cpOA2GZi+R3wEckQZElORVaYE
ljM0AiEAxlie+AvCVvusQik7zd1LsnguffNm96Rm6cIYoriSqKo=
-----END CERTIFICATE-----`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgs5M7YKOyxANW8PxZ
r/779ZlX4P4g3UOTWPD8LqytBcuhRANCAARC4dYx6SzHiyjP6TNvRJyZM2GIIvsm
ctxWrXmRjc1HNAfBAUdsbyJ4Eqjk36GnBenubFoXTcPob7NtkabMTHTl
-----END PRIVATE KEY-----`;
const OTHER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQglzD3ankA2TVrMjoD
Zc/MGACB6diCbtjPzn+Cc4O5B3qhRANCAAR2+zzrjEBmTMu2XjXjw4hEfUUujNga
Ddv3rJUBLW3Myna+cpWvtbvqFaejkaQxl2R9I6ZKLoodg5ixBf0nvW/S
-----END PRIVATE KEY-----`;

const deps = (): IamDeps => ({
  store: localShared(new MemoryStore()),
  clock: new ManualClock(Date.UTC(2026, 11, 3)),
  accountId: '000000000000',
  region: 'us-east-1',
  sealer: Sealer.random(),
});

const refusal = async (fn: () => unknown) => {
  try {
    await fn();
  } catch (e) {
    assert.ok(isBerthError(e));
    return e;
  }
  assert.fail('expected a refusal');
};

describe('imported certificates (ACM)', () => {
  it('reads the names and key type, keeps the key sealed, and serves it back whole', async () => {
    const d = deps();
    const c = await importCertificate(d, { Certificate: CERT, PrivateKey: KEY });
    assert.match(c.arn, /^arn:aws:acm:us-east-1:000000000000:certificate\/[0-9a-f-]{36}$/);
    assert.equal(c.domainName, 'shop.test');
    assert.deepEqual(c.subjectAlternativeNames, ['shop.test', '*.shop.test']);
    assert.equal(c.keyAlgorithm, 'EC_prime256v1');
    assert.ok(!JSON.stringify(getCertificate(d, c.arn)).includes('PRIVATE KEY'), 'the key is not stored in the clear');
    assert.equal(servedCertificate(d, c.arn)?.privateKey, KEY);
    const again = await importCertificate(d, { CertificateArn: c.arn, Certificate: CERT, PrivateKey: KEY });
    assert.equal(again.arn, c.arn);
  });

  it('refuses what does not parse, a key of another certificate, and deleting one in use', async () => {
    const d = deps();
    assert.equal(
      (await refusal(() => importCertificate(d, { Certificate: 'nope', PrivateKey: KEY }))).detail.field,
      'Certificate',
    );
    assert.equal(
      (await refusal(() => importCertificate(d, { Certificate: CERT, PrivateKey: 'nope' }))).detail.field,
      'PrivateKey',
    );
    assert.match(
      (await refusal(() => importCertificate(d, { Certificate: CERT, PrivateKey: OTHER_KEY }))).message,
      /does not match/,
    );
    const c = await importCertificate(d, { Certificate: CERT, PrivateKey: KEY });
    assert.equal((await refusal(() => deleteCertificate(d, c.arn, () => ['lb']))).detail.reason, 'in-use');
    await deleteCertificate(d, c.arn, () => []);
    assert.equal((await refusal(() => getCertificate(d, c.arn))).kind, 'NotFound');
    assert.equal(servedCertificate(d, c.arn), undefined);
  });
});
