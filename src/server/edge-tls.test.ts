import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import { certificateAuthority, rsaKeyPair, servingCertificate } from '../kube/certificates.js';
import { kubeRootRewrite, serveTlsAlongside } from './edge-tls.js';

test('one port answers HTTP and HTTPS; over HTTPS alone the Kubernetes paths are the cluster’s', async () => {
  const [caKeys, keys] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);
  const ca = certificateAuthority(caKeys, 'test-ca', new Date());
  const cert = servingCertificate(
    { cert: ca, key: caKeys.key },
    keys,
    { dns: ['localhost'], ips: ['127.0.0.1'] },
    new Date(),
  );
  let made = 0;
  const rewrite = kubeRootRewrite('default');
  const app = Fastify({ rewriteUrl: rewrite });
  serveTlsAlongside(app.server, () => {
    made++;
    return Promise.resolve({ key: keys.key, cert });
  });
  app.all('/*', async (req) => ({ url: req.url, body: req.body ?? null }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  try {
    const plain = await fetch(`http://127.0.0.1:${port}/api/v1/pods`, {
      method: 'POST',
      body: JSON.stringify({ a: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(await plain.json(), { url: '/api/v1/pods', body: { a: 1 } });
    const secure = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const r = httpsRequest({ host: '127.0.0.1', port, path, ca, servername: 'localhost' }, (res) => {
          let out = '';
          res.on('data', (d: Buffer) => (out += d.toString()));
          res.on('end', () => resolve(out));
        });
        r.on('error', reject);
        r.end();
      });
    assert.deepEqual(JSON.parse(await secure('/api/v1/pods?limit=1')), {
      url: '/k8s/default/api/v1/pods?limit=1',
      body: null,
    });
    assert.deepEqual(JSON.parse(await secure('/apis/apps/v1')), { url: '/k8s/default/apis/apps/v1', body: null });
    assert.deepEqual(JSON.parse(await secure('/_berth/health')), { url: '/_berth/health', body: null });
    assert.deepEqual(JSON.parse(await secure('/apiary')), { url: '/apiary', body: null });
    assert.equal(made, 1, 'the certificate is made once');
    // A client whose first bytes are neither is answered as HTTP: a bad request, not a hang.
    const junk = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('\x00\x01garbage\r\n\r\n'));
      let out = '';
      s.on('data', (d: Buffer) => (out += d.toString()));
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
    });
    assert.match(junk, /^HTTP\/1\.1 400/);
  } finally {
    await app.close();
  }
});
