import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsCli } from './harness.js';
import { deploymentManifest, kubectlFor, kubeTools } from './kube-helpers.js';
import { selfSigned } from './self-signed.js';

const execFileP = promisify(execFile);

// An Ingress of the ALB class on berth's local agent: an application load balancer of berth's ELB
// routes by host and path to the pods of two Services, and goes with the Ingress; HTTPS with ACM's
// certificates found by the Ingress's hosts.
describe('Kubernetes Ingresses on berth’s ELB', () => {
  let fx: AgentFixture;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  before(async () => {
    fx = await startAgentFixture();
    k = await kubectlFor(fx.berth.endpoint, fx.berth.dataDir);
  });
  after(async () => fx?.dispose());
  const { jsonpath, until } = kubeTools(
    () => k,
    () => fx.imageUri,
  );

  /** Pods that answer `/` and `/<name>/` with `<name> <hostname>`, ready once they listen; and their Service. */
  const app = (name: string) => [
    deploymentManifest(name, 1, {
      containers: [
        {
          name: 'main',
          image: fx.imageUri,
          command: [
            'sh',
            '-c',
            `mkdir -p /www/${name} && echo "${name} $(hostname)" > /www/index.html && cp /www/index.html /www/${name}/ && exec httpd -f -p 8080 -h /www`,
          ],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 },
        },
      ],
      terminationGracePeriodSeconds: 0,
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { selector: { app: name }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
    },
  ];

  it('routes an ALB Ingress by host and path to its Services’ pods, and removes the load balancer with it', async () => {
    const manifests = [
      ...app('blue'),
      ...app('green'),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'alb' },
        spec: { controller: 'ingress.k8s.aws/alb' },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: 'shop',
          annotations: {
            'alb.ingress.kubernetes.io/scheme': 'internet-facing',
            'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTP": 8080}]',
          },
        },
        spec: {
          ingressClassName: 'alb',
          defaultBackend: { service: { name: 'green', port: { name: 'web' } } },
          rules: [
            {
              host: 'shop.example',
              http: {
                paths: [
                  { path: '/blue', pathType: 'Prefix', backend: { service: { name: 'blue', port: { number: 80 } } } },
                ],
              },
            },
          ],
        },
      },
    ];
    await k.ok(['apply', '-f', '-'], manifests.map((m) => `---\n${JSON.stringify(m)}\n`).join(''));
    const ip = await until(
      'the Ingress’s address',
      () => jsonpath(['get', 'ingress', 'shop'], '{.status.loadBalancer.ingress[0].ip}'),
      (v) => v !== '',
    );
    assert.match(ip, /^127\.77\.\d+\.\d+$/);
    const hostname = await jsonpath(['get', 'ingress', 'shop'], '{.status.loadBalancer.ingress[0].hostname}');
    assert.match(hostname, /^k8s-default-shop-[0-9a-f]{10}-\d+\.us-east-1\.elb\.berth\.internal$/);
    assert.match(
      await k.ok(['get', 'ingress', 'shop']),
      new RegExp(`shop\\s+alb\\s+shop\\.example\\s+${ip.replaceAll('.', '\\.')}\\s+80\\s`),
    );
    for (const d of ['blue', 'green'])
      await until(
        `${d} ready`,
        () => jsonpath(['get', 'deploy', d], '{.status.readyReplicas}'),
        (v) => v === '1',
      );
    // fetch cannot send a Host header of its own: node:http can.
    const get = (path: string, host: string, port = 80) =>
      new Promise<string>((resolve) => {
        const req = request({ host: ip, port, path, headers: { host }, timeout: 3000 }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(`${res.statusCode ?? 0} ${body.trim()}`));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(''));
        req.end();
      });
    // Within two minutes (the targets' health checks first): each path to its Service's pod.
    const wanted = async () => [
      await get('/blue/', 'shop.example'),
      await get('/', 'shop.example'),
      await get('/blue/', 'other.example'),
    ];
    let seen: string[] = [];
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 1000))) {
      seen = await wanted();
      if (seen[0]?.startsWith('200 blue') && seen[1]?.startsWith('200 green') && seen[2]?.startsWith('404')) break;
    }
    // /blue/ on another host is the default backend's: green has no /blue/ page.
    assert.match(seen[0] ?? '', /^200 blue blue-/);
    assert.match(seen[1] ?? '', /^200 green green-/);
    assert.match(seen[2] ?? '', /^404/);
    // The second port of the listen-ports annotation routes alike.
    assert.match(await get('/blue/', 'shop.example', 8080), /^200 blue blue-/);
    // ELB's API shows the load balancer, its rule and its target groups' targets: the pods.
    const aws = async (args: string[]) => JSON.parse((await awsCli(fx.berth.endpoint, args)).stdout || '{}');
    const lb = (await aws(['elbv2', 'describe-load-balancers', '--names', hostname.split('-').slice(0, 4).join('-')]))
      .LoadBalancers[0];
    assert.deepEqual([lb.Type, lb.Scheme], ['application', 'internet-facing']);
    const listeners = (await aws(['elbv2', 'describe-listeners', '--load-balancer-arn', lb.LoadBalancerArn])).Listeners;
    assert.deepEqual(listeners.map((l: { Port: number }) => l.Port).sort(), [80, 8080]);
    const listener = listeners.find((l: { Port: number }) => l.Port === 80);
    const rules = (await aws(['elbv2', 'describe-rules', '--listener-arn', listener.ListenerArn])).Rules;
    assert.deepEqual(
      rules
        .find((r: { Priority: string }) => r.Priority === '1')
        .Conditions.map((c: { Field: string; Values?: string[] }) => c.Field),
      ['host-header', 'path-pattern'],
    );
    const podIPs = (await jsonpath(['get', 'pods', '-l', 'app in (blue,green)'], '{.items[*].status.podIP}')).split(
      ' ',
    );
    const groups = (await aws(['elbv2', 'describe-target-groups', '--load-balancer-arn', lb.LoadBalancerArn]))
      .TargetGroups;
    const targets: string[] = [];
    for (const g of groups)
      for (const d of (await aws(['elbv2', 'describe-target-health', '--target-group-arn', g.TargetGroupArn]))
        .TargetHealthDescriptions)
        targets.push(`${d.Target.Id}:${d.Target.Port}`);
    assert.deepEqual(targets.sort(), podIPs.map((p) => `${p}:8080`).sort());
    // Deleted: the Ingress waits for its load balancer to go, then goes.
    await k.ok(['delete', 'ingress', 'shop']);
    const left = await awsCli(fx.berth.endpoint, ['elbv2', 'describe-load-balancers', '--names', lb.LoadBalancerName]);
    assert.match(left.stderr, /LoadBalancerNotFound/);
    assert.match((await k.kubectl(['get', 'ingress', 'shop'])).stderr, /not found/);
    await k.ok(['delete', 'deploy/blue', 'deploy/green', 'svc/blue', 'svc/green', 'ingressclass/alb']);
  });
  it('serves HTTPS with the ACM certificates of the Ingress’s hosts (each by SNI), redirects HTTP, and says when a host has none', async () => {
    const aws = async (args: string[]) => JSON.parse((await awsCli(fx.berth.endpoint, args)).stdout || '{}');
    const pki = mkdtempSync(join(tmpdir(), 'berth-e2e-pki-'));
    const certs: string[] = [];
    try {
      // Two self-signed certificates, imported into ACM as `aws acm import-certificate` takes them.
      for (const [file, name] of [
        ['shop', 'shop.example'],
        ['api', '*.api.example'],
      ] as const) {
        await selfSigned(name, join(pki, `${file}.pem`), join(pki, `${file}.key`));
        const imported = await aws([
          'acm',
          'import-certificate',
          '--certificate',
          `fileb://${join(pki, `${file}.pem`)}`,
          '--private-key',
          `fileb://${join(pki, `${file}.key`)}`,
        ]);
        certs.push(imported.CertificateArn as string);
      }
      const ingress = (name: string, hosts: string[]) => ({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name,
          annotations: {
            'alb.ingress.kubernetes.io/scheme': 'internet-facing',
            'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
            'alb.ingress.kubernetes.io/ssl-redirect': '443',
          },
        },
        spec: {
          ingressClassName: 'alb',
          tls: [{ hosts }],
          rules: hosts.map((host, i) => ({
            host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: i === 0 ? 'blue' : 'green', port: { number: 80 } } },
                },
              ],
            },
          })),
        },
      });
      const alb = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'alb' },
        spec: { controller: 'ingress.k8s.aws/alb' },
      };
      const manifests = [alb, ...app('blue'), ...app('green'), ingress('secure', ['shop.example', 'v1.api.example'])];
      await k.ok(['apply', '-f', '-'], manifests.map((m) => `---\n${JSON.stringify(m)}\n`).join(''));
      const ip = await until(
        'the Ingress’s address',
        () => jsonpath(['get', 'ingress', 'secure'], '{.status.loadBalancer.ingress[0].ip}'),
        (v) => v !== '',
      );
      assert.match(await k.ok(['get', 'ingress', 'secure']), /\s80, 443\s/);
      const curl = (url: string, host: string, port: number, ca?: string) =>
        execFileP('curl', [
          '-s',
          '--max-time',
          '3',
          '-w',
          ' %{http_code} %{redirect_url}',
          '--resolve',
          `${host}:${port}:${ip}`,
          ...(ca ? ['--cacert', join(pki, ca)] : []),
          url,
        ]).then(
          (r) => r.stdout.trim(),
          () => '',
        );
      // Each host's page over HTTPS, its own certificate verified (the second picked by SNI).
      let shop = '';
      let api = '';
      for (let i = 0; i < 120 && !(shop.includes('blue') && api.includes('green')); i++) {
        shop = await curl('https://shop.example/', 'shop.example', 443, 'shop.pem');
        api = await curl('https://v1.api.example/', 'v1.api.example', 443, 'api.pem');
        if (!(shop.includes('blue') && api.includes('green'))) await new Promise((r) => setTimeout(r, 1000));
      }
      assert.match(shop, /^blue blue-\S+\s+200/);
      assert.match(api, /^green green-\S+\s+200/);
      // The other certificate does not verify shop.example's: the default one was served.
      assert.equal(await curl('https://shop.example/', 'shop.example', 443, 'api.pem'), '');
      // HTTP redirects to HTTPS 443 and routes nothing itself.
      assert.match(
        await curl('http://shop.example/a?b=1', 'shop.example', 80),
        /301 https:\/\/shop\.example(:443)?\/a\?b=1$/,
      );
      const hostname = await jsonpath(['get', 'ingress', 'secure'], '{.status.loadBalancer.ingress[0].hostname}');
      const lb = (await aws(['elbv2', 'describe-load-balancers', '--names', hostname.split('-').slice(0, 4).join('-')]))
        .LoadBalancers[0];
      const listeners = (await aws(['elbv2', 'describe-listeners', '--load-balancer-arn', lb.LoadBalancerArn]))
        .Listeners;
      const secure = listeners.find((l: { Port: number }) => l.Port === 443);
      assert.equal(secure.Protocol, 'HTTPS');
      assert.equal(secure.SslPolicy, 'ELBSecurityPolicy-2016-08');
      assert.deepEqual(
        (await aws(['elbv2', 'describe-listener-certificates', '--listener-arn', secure.ListenerArn])).Certificates,
        [
          { CertificateArn: certs[0], IsDefault: true },
          { CertificateArn: certs[1], IsDefault: false },
        ],
      );
      // ACM tells who uses them, and keeps them while the listener does.
      const detail = await aws(['acm', 'describe-certificate', '--certificate-arn', certs[1] as string]);
      assert.deepEqual(detail.Certificate.InUseBy, [lb.LoadBalancerArn]);
      // A host no certificate covers: nothing is made, and the Ingress's events say why.
      await k.ok(['apply', '-f', '-'], JSON.stringify(ingress('nocert', ['none.example'])));
      const event = await until(
        'the Ingress’s warning',
        () =>
          jsonpath(
            ['get', 'events', '--field-selector', 'involvedObject.name=nocert,reason=FailedBuildModel'],
            '{.items[0].message}',
          ),
        (v) => v !== '',
      );
      assert.equal(event, 'Failed build model due to none certificate found for host: none.example');
      assert.equal(await jsonpath(['get', 'ingress', 'nocert'], '{.status.loadBalancer.ingress}'), '');
      await k.ok(['delete', 'ingress', 'secure', 'nocert']);
      const left = await awsCli(fx.berth.endpoint, [
        'elbv2',
        'describe-load-balancers',
        '--names',
        lb.LoadBalancerName,
      ]);
      assert.match(left.stderr, /LoadBalancerNotFound/);
      await k.ok(['delete', 'deploy/blue', 'deploy/green', 'svc/blue', 'svc/green']);
    } finally {
      for (const arn of certs) await awsCli(fx.berth.endpoint, ['acm', 'delete-certificate', '--certificate-arn', arn]);
      rmSync(pki, { recursive: true, force: true });
    }
  });
});
