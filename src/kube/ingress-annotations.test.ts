import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateHosts, ingressSettings, listenPorts, pathPatterns } from './ingress-annotations.js';

const A = 'alb.ingress.kubernetes.io/';

describe('the AWS Load Balancer Controller’s Ingress annotations', () => {
  it('writes Ingress paths as the controller writes ELB path patterns', () => {
    assert.deepEqual(pathPatterns('/', 'Prefix'), ['/*']);
    assert.deepEqual(pathPatterns('/api', 'Prefix'), ['/api', '/api/*']);
    assert.deepEqual(pathPatterns('/api/', 'Prefix'), ['/api', '/api/*']);
    assert.deepEqual(pathPatterns('/exact', 'Exact'), ['/exact']);
    assert.deepEqual(pathPatterns('/img/*.png', 'ImplementationSpecific'), ['/img/*.png']);
  });

  it('reads listen-ports: HTTP and HTTPS ports, the default by whether the Ingress has TLS', () => {
    assert.deepEqual(listenPorts(undefined), [{ protocol: 'HTTP', port: 80 }]);
    assert.deepEqual(listenPorts(undefined, true), [{ protocol: 'HTTPS', port: 443 }]);
    assert.deepEqual(listenPorts('[{"HTTP": 80}, {"HTTPS": 443}, {"HTTP": 80}]'), [
      { protocol: 'HTTP', port: 80 },
      { protocol: 'HTTPS', port: 443 },
    ]);
    assert.throws(() => listenPorts('[{"HTTP": 443}, {"HTTPS": 443}]'), /port 443 is both HTTP and HTTPS/);
    assert.throws(() => listenPorts('[{"TLS": 443}]'), /unknown protocol TLS/);
    assert.throws(() => listenPorts('[{"HTTP": 70000}]'), /invalid entry/);
    assert.throws(() => listenPorts('[{"HTTP": 80, "HTTPS": 443}]'), /invalid entry/);
    assert.throws(() => listenPorts('[]'), /non-empty list/);
    assert.throws(() => listenPorts('not json'), /failed to parse listen-ports annotation/);
  });

  it('reads certificates, SSL policy and redirect, scheme and health checks together', () => {
    const spec = { rules: [{ host: 'shop.example' }] };
    const s = ingressSettings(
      {
        [`${A}certificate-arn`]: 'arn:a, arn:b',
        [`${A}listen-ports`]: '[{"HTTP": 80}, {"HTTPS": 443}]',
        [`${A}ssl-redirect`]: '443',
        [`${A}ssl-policy`]: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        [`${A}scheme`]: 'internet-facing',
      },
      spec,
    );
    assert.deepEqual(s, {
      internal: false,
      listeners: [
        { protocol: 'HTTP', port: 80 },
        { protocol: 'HTTPS', port: 443 },
      ],
      certificateArns: ['arn:a', 'arn:b'],
      sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      sslRedirect: 443,
      healthCheckPath: '/',
      successCodes: '200',
    });
    // Named certificates, or a tls section, make HTTPS 443 the default listener.
    assert.deepEqual(ingressSettings({ [`${A}certificate-arn`]: 'arn:a' }, spec).listeners, [
      { protocol: 'HTTPS', port: 443 },
    ]);
    assert.deepEqual(ingressSettings({}, { tls: [{ hosts: ['shop.example'] }] }).listeners, [
      { protocol: 'HTTPS', port: 443 },
    ]);
    assert.equal(ingressSettings({}, spec).internal, true);
    assert.throws(() => ingressSettings({ [`${A}ssl-redirect`]: '443' }, spec), /443 is not an HTTPS port/);
    assert.throws(() => ingressSettings({ [`${A}ssl-redirect`]: '4x' }, spec), /invalid port 4x/);
    // Only the controller's own annotations count (not one inherited from Object.prototype).
    assert.equal(ingressSettings({}, spec).sslPolicy, undefined);
  });

  it('discovers certificates by the tls hosts, then the rules’ hosts, each once', () => {
    assert.deepEqual(
      certificateHosts({
        tls: [{ hosts: ['b.example', 'a.example'] }],
        rules: [{ host: 'a.example' }, {}, { host: 'c.example' }],
      }),
      ['b.example', 'a.example', 'c.example'],
    );
  });
});
