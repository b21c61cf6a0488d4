// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBerth, type BerthProcess } from './harness.js';
import { kubectlFor } from './kube-helpers.js';

// Ingress and IngressClass (networking.k8s.io/v1) through kubectl: made by kubectl's generator
// (protobuf) and by apply, shown in its columns and by describe, checked as the API server checks.
describe('kubectl with Ingresses', () => {
  let berth: BerthProcess;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  before(async () => {
    berth = await startBerth({ args: ['--no-agent'] });
    k = await kubectlFor(berth.endpoint, berth.dataDir);
  });
  after(async () => berth?.dispose());

  it('creates ingresses with the default class, lists and describes them, and refuses bad ones', async () => {
    // The AWS Load Balancer Controller's class is there from the start (not the default).
    const cls = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'external', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      // A controller berth does not run: the Ingress is only kept (no load balancer on this host).
      spec: { controller: 'example.com/ingress-controller' },
    };
    assert.match(
      await k.ok(['apply', '-f', '-'], JSON.stringify(cls)),
      /ingressclass\.networking\.k8s\.io\/external created/,
    );
    assert.match(
      await k.ok(['get', 'ingressclass']),
      /^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\nalb\s+ingress\.k8s\.aws\/alb\s+<none>\s+\d+s\nexternal\s+example\.com\/ingress-controller\s+<none>\s+\d+s\n$/,
    );
    assert.match(
      await k.ok([
        'create',
        'ingress',
        'shop',
        '--rule=shop.example/api*=api:8080',
        '--rule=*.example.com/=web:http,tls=cert',
      ]),
      /ingress\.networking\.k8s\.io\/shop created/,
    );
    assert.match(
      await k.ok(['get', 'ingress']),
      /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nshop\s+external\s+shop\.example,\*\.example\.com\s+80, 443\s+\d+s\n$/,
    );
    assert.equal(
      await k.ok([
        'get',
        'ing',
        'shop',
        '-o',
        'jsonpath={.spec.rules[0].http.paths[0].pathType} {.spec.rules[0].http.paths[0].backend.service.port.number}',
      ]),
      'Prefix 8080',
    );
    const described = await k.ok(['describe', 'ingress', 'shop']);
    assert.match(described, /Ingress Class:\s+external/);
    assert.match(described, /cert terminates \*\.example\.com/);
    assert.match(described, /\/api\s+api:8080 \(<error: services "api" not found>\)/);
    const bad = await k.kubectl(['create', 'ingress', 'bad', '--rule=10.0.0.1/=web:80']);
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /spec\.rules\[0\]\.host: Invalid value: "10\.0\.0\.1": must be a DNS name, not an IP address/,
    );
    const immutable = await k.kubectl([
      'patch',
      'ingressclass',
      'external',
      '-p',
      '{"spec":{"controller":"example.com/other"}}',
    ]);
    assert.match(immutable.stderr, /spec\.controller: Invalid value: "example\.com\/other": field is immutable/);
    assert.match(await k.ok(['delete', 'ingress', 'shop']), /ingress\.networking\.k8s\.io "shop" deleted/);
  });
});
