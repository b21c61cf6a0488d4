import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { deploymentManifest, kubectlFor, kubeTools } from './kube-helpers.js';
import { awsCli } from './harness.js';
import { buildBusyboxImage } from './images.js';

const execFileP = promisify(execFile);
/** Where a command is on PATH. */
const which = async (cmd: string) => (await execFileP('sh', ['-c', `command -v ${cmd}`])).stdout.trim();

// Pods on berth's local agent through kubectl: the node it is, a pod scheduled there, run under
// runc, its status, output, configuration, restarts and deletion; Services reached from pods;
// exec, port-forward and the Python client. (Controllers' workloads: kube-workloads.test.ts.)
describe('Kubernetes pods on berth’s agent', () => {
  let fx: AgentFixture;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  before(async () => {
    fx = await startAgentFixture();
    k = await kubectlFor(fx.berth.endpoint, fx.berth.dataDir);
  });
  after(async () => fx?.dispose());

  /** A Deployment of two pods that answer HTTP on their port `http` (8080) with their hostname, ready once they listen. */
  const hostnameServers = (name: string) =>
    deploymentManifest(name, 2, {
      containers: [
        {
          name: 'main',
          image: fx.imageUri,
          command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 },
        },
      ],
      terminationGracePeriodSeconds: 0,
    });

  const { jsonpath, until, runOnce } = kubeTools(
    () => k,
    () => fx.imageUri,
  );

  it('shows the local agent as a Ready node', async () => {
    const nodes = await until(
      'a Ready node',
      () => k.ok(['get', 'nodes']),
      (v) => /\sReady\s/.test(v),
    );
    assert.match(nodes, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n\S+\s+Ready\s+<none>\s+\S+\s+v1\.32\.0-berth/);
    const cpu = await jsonpath(['get', 'nodes'], '{.items[0].status.capacity.cpu}');
    assert.match(cpu, /^\d+$/);
  });

  it('runs a pod to completion: Succeeded, with its output and exit code', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hello', labels: { app: 'hello' } },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: fx.imageUri,
            command: ['sh', '-c', 'echo hello from $(hostname); echo $GREETING'],
            env: [{ name: 'GREETING', value: 'hi there' }],
          },
        ],
      },
    };
    assert.match(await k.ok(['apply', '-f', '-'], JSON.stringify(pod)), /pod\/hello created/);
    await until(
      'hello Succeeded',
      () => jsonpath(['get', 'pod', 'hello'], '{.status.phase}'),
      (v) => v === 'Succeeded',
    );
    assert.equal(await k.ok(['logs', 'hello']), 'hello from hello\nhi there\n');
    assert.equal(
      await jsonpath(['get', 'pod', 'hello'], '{.status.containerStatuses[0].state.terminated.exitCode}'),
      '0',
    );
    assert.match(await k.ok(['get', 'pods']), /hello\s+0\/1\s+Completed\s+0\s+\S+/);
    const node = await jsonpath(['get', 'pod', 'hello'], '{.spec.nodeName}');
    assert.match(node, /\S/);
    // Events are recorded beside the status, not before it (as the kubelet's): the Started one may come after Succeeded.
    const described = await until(
      'the Started event',
      () => k.ok(['describe', 'pod', 'hello']),
      (v) => /Normal\s+Started\s+\S+\s+kubelet\s+Started container main/.test(v),
    );
    assert.match(
      described,
      new RegExp(`Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/hello to ${node}`),
    );
  });

  it('keeps a long-running pod Running with its own IP until it is deleted, gracefully', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'server' },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: 'main',
            image: fx.imageUri,
            command: ['sh', '-c', 'trap "echo bye; exit 0" TERM; echo up; while true; do sleep 1; done'],
          },
        ],
      },
    };
    await k.ok(['apply', '-f', '-'], JSON.stringify(pod));
    await until(
      'server Running',
      () => jsonpath(['get', 'pod', 'server'], '{.status.phase}'),
      (v) => v === 'Running',
    );
    assert.match(await jsonpath(['get', 'pod', 'server'], '{.status.podIP}'), /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(await k.ok(['get', 'pod', 'server']), /server\s+1\/1\s+Running\s+0/);
    await until(
      'its output',
      () => k.ok(['logs', 'server']),
      (v) => v === 'up\n',
    );
    const deleted = await k.ok(['delete', 'pod', 'server']);
    assert.match(deleted, /pod "server" deleted/);
    const gone = await k.kubectl(['get', 'pod', 'server']);
    assert.match(gone.stderr, /pods "server" not found/);
  });

  it('keeps a pod off a node whose taint it does not tolerate, or that its node affinity excludes, saying why; evicts it on NoExecute; keeps replicas apart', async () => {
    const node = await jsonpath(['get', 'nodes'], '{.items[0].metadata.name}');
    try {
      await k.ok(['taint', 'nodes', node, 'dedicated=db:NoSchedule']);
      const sleeper = (name: string, spec: object = {}) =>
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [{ name: 'main', image: fx.imageUri, command: ['sh', '-c', 'sleep 600'] }],
            ...spec,
          },
        });
      const why = (name: string) =>
        jsonpath(['get', 'pod', name], '{.status.conditions[?(@.type=="PodScheduled")].message}');
      await k.ok(['apply', '-f', '-'], sleeper('blocked'));
      await until(
        'blocked refused',
        () => why('blocked'),
        (v) => /1 node\(s\) had untolerated taint \{dedicated: db\}/.test(v),
      );
      await k.ok(
        ['apply', '-f', '-'],
        sleeper('tolerant', {
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
        }),
      );
      await until(
        'tolerant Running',
        () => jsonpath(['get', 'pod', 'tolerant'], '{.status.phase}'),
        (v) => v === 'Running',
      );
      const elsewhere = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: [node] }] },
            ],
          },
        },
      };
      await k.ok(
        ['apply', '-f', '-'],
        sleeper('elsewhere', { affinity: elsewhere, tolerations: [{ operator: 'Exists' }] }),
      );
      await until(
        'elsewhere refused',
        () => why('elsewhere'),
        (v) => /didn't match Pod's node affinity\/selector/.test(v),
      );
      // The taint taken away, the blocked pod is placed.
      await k.ok(['taint', 'nodes', node, 'dedicated-']);
      await until(
        'blocked Running',
        () => jsonpath(['get', 'pod', 'blocked'], '{.status.phase}'),
        (v) => v === 'Running',
      );
      // A NoExecute taint evicts the running pods that do not tolerate it; one that does stays.
      await k.ok(
        ['apply', '-f', '-'],
        sleeper('stays', { tolerations: [{ key: 'evict', operator: 'Exists', effect: 'NoExecute' }] }),
      );
      await until(
        'stays Running',
        () => jsonpath(['get', 'pod', 'stays'], '{.status.phase}'),
        (v) => v === 'Running',
      );
      await k.ok(['taint', 'nodes', node, 'evict=now:NoExecute']);
      await until(
        'the others evicted',
        () => jsonpath(['get', 'pods'], '{.items[*].metadata.name}'),
        (v) => !v.split(' ').some((n) => n === 'blocked' || n === 'tolerant') && v.split(' ').includes('stays'),
      );
      assert.match(
        await k.ok(['get', 'events', '--field-selector', 'reason=TaintManagerEviction']),
        /Marking for deletion Pod default\/blocked/,
      );
      await k.ok(['taint', 'nodes', node, 'evict-']);
      await k.ok(['delete', 'pod', 'stays', 'elsewhere']);
      // Required anti-affinity by hostname on one node: one replica runs, the other waits, saying why.
      const apart = deploymentManifest('apart', 2, {
        terminationGracePeriodSeconds: 0,
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: 'apart' } }, topologyKey: 'kubernetes.io/hostname' },
            ],
          },
        },
        containers: [{ name: 'main', image: fx.imageUri, command: ['sh', '-c', 'sleep 600'] }],
      });
      await k.ok(['apply', '-f', '-'], JSON.stringify(apart));
      const phases = () => jsonpath(['get', 'pods', '-l', 'app=apart'], '{.items[*].status.phase}');
      await until('one Running, one Pending', phases, (v) => v.split(' ').sort().join(' ') === 'Pending Running');
      assert.match(
        await jsonpath(
          ['get', 'pods', '-l', 'app=apart'],
          '{.items[*].status.conditions[?(@.type=="PodScheduled")].message}',
        ),
        /1 node\(s\) didn't match pod anti-affinity rules/,
      );
      await k.ok(['delete', 'deployment', 'apart']);
    } finally {
      // Whatever failed, the node is left as the next tests need it: untainted.
      for (const taint of ['dedicated-', 'evict-']) await k.kubectl(['taint', 'nodes', node, taint]);
    }
  });

  it('refuses what berth does not run yet, saying so', async () => {
    const r = await k.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'cm-vol' },
        spec: {
          volumes: [{ name: 'c', nfs: { server: 'files.example', path: '/' } }],
          containers: [{ name: 'main', image: fx.imageUri }],
        },
      }),
    );
    assert.match(r.stderr, /spec\.volumes\[0\]\.nfs: Forbidden: nfs volumes is not implemented in berth yet/);
  });

  it('serves a Service: its ready pods as endpoints, reached by cluster IP and by name in cluster DNS from another pod', async () => {
    // As a file of YAML documents (JSON is YAML), the way manifests are kept.
    const manifests = [
      hostnameServers('echo'),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'echo' },
        spec: { selector: { app: 'echo' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
      },
    ];
    const applied = await k.ok(['apply', '-f', '-'], manifests.map((m) => `---\n${JSON.stringify(m)}\n`).join(''));
    assert.match(applied, /deployment\.apps\/echo created\nservice\/echo created/);
    await until(
      'echo rolled out',
      () => jsonpath(['get', 'deploy', 'echo'], '{.status.readyReplicas}'),
      (v) => v === '2',
    );
    const podIPs = (await jsonpath(['get', 'pods', '-l', 'app=echo'], '{.items[*].status.podIP}')).split(' ').sort();
    const endpoints = await until(
      'both pods as endpoints',
      () => jsonpath(['get', 'endpoints', 'echo'], '{.subsets[0].addresses[*].ip}'),
      (v) => v.split(' ').length === 2,
    );
    assert.deepEqual(endpoints.split(' ').sort(), podIPs);
    assert.equal(await jsonpath(['get', 'endpoints', 'echo'], '{.subsets[0].ports[0].port}'), '8080');
    assert.match(
      await k.ok(['get', 'endpoints', 'echo']),
      new RegExp(`echo\\s+${podIPs.map((ip) => `${ip}:8080`).join(',')}`),
    );
    // Another pod reaches the service by its cluster IP and by its names in cluster DNS; the
    // connections are spread over both pods.
    const clusterIP = await jsonpath(['get', 'svc', 'echo'], '{.spec.clusterIP}');
    const out = await runOnce(
      'client',
      `for i in 1 2 3 4; do wget -q -O - http://${clusterIP}:80/; done; ` +
        'wget -q -O - http://echo/; wget -q -O - http://echo.default.svc.cluster.local/; ' +
        'nslookup echo.default.svc.cluster.local 2>&1 | grep -A1 "^Name:" | tail -1; ' +
        'nslookup nope.default.svc.cluster.local >/dev/null 2>&1 || echo unresolved; cat /etc/resolv.conf',
    );
    const names = (await jsonpath(['get', 'pods', '-l', 'app=echo'], '{.items[*].metadata.name}')).split(' ').sort();
    const lines = out.trim().split('\n');
    assert.deepEqual([...new Set(lines.slice(0, 4))].sort(), names, 'round robin over both pods');
    assert.ok(names.includes(lines[4] ?? ''), `by short name: ${lines[4]}`);
    assert.ok(names.includes(lines[5] ?? ''), `by full name: ${lines[5]}`);
    assert.match(lines[6] ?? '', new RegExp(`Address:\\s+${clusterIP.replaceAll('.', '\\.')}`));
    assert.equal(lines[7], 'unresolved');
    assert.match(
      lines.join('\n'),
      /nameserver 10\.96\.0\.10\nsearch default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\noptions ndots:5/,
    );
    await k.ok(['delete', 'deploy/echo', 'svc/echo', 'pod/client']);
    await until(
      'echo’s endpoints gone',
      () => k.kubectl(['get', 'endpoints', 'echo']).then((r) => r.stderr),
      (v) => /not found/.test(v),
    );
  });

  it('serves a LoadBalancer Service through a network load balancer of berth’s ELB, removed with it', async () => {
    const manifests = [
      hostnameServers('front'),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'front' },
        spec: { type: 'LoadBalancer', selector: { app: 'front' }, ports: [{ port: 80, targetPort: 'http' }] },
      },
    ];
    await k.ok(['apply', '-f', '-'], manifests.map((m) => `---\n${JSON.stringify(m)}\n`).join(''));
    const hostname = await until(
      'an ingress hostname',
      () => jsonpath(['get', 'svc', 'front'], '{.status.loadBalancer.ingress[0].hostname}'),
      (v) => v !== '',
    );
    assert.match(hostname, /^a[0-9a-f]{31}-\d+\.us-east-1\.elb\.berth\.internal$/);
    const uid = await jsonpath(['get', 'svc', 'front'], '{.metadata.uid}');
    assert.equal(
      hostname.split('-')[0],
      `a${uid.replace(/-/g, '')}`.slice(0, 32),
      'named as the in-tree provider names it',
    );
    // The ingress has the load balancer's address too (reachable without its name resolving): the
    // table's EXTERNAL-IP shows it, as kubectl shows an ingress IP before a hostname.
    const ip = await jsonpath(['get', 'svc', 'front'], '{.status.loadBalancer.ingress[0].ip}');
    assert.match(ip, /^127\.77\.\d+\.\d+$/);
    assert.match(
      await k.ok(['get', 'svc', 'front']),
      new RegExp(`front\\s+LoadBalancer\\s+10\\.\\S+\\s+${ip.replaceAll('.', '\\.')}\\s+80:3\\d{4}/TCP`),
    );
    await until(
      'front rolled out',
      () => jsonpath(['get', 'deploy', 'front'], '{.status.readyReplicas}'),
      (v) => v === '2',
    );
    // From the host, through the load balancer's address: both pods answer, in turn.
    const names = (await jsonpath(['get', 'pods', '-l', 'app=front'], '{.items[*].metadata.name}')).split(' ').sort();
    // Within two minutes (health checks first), each fetch bounded: a connection the load balancer
    // cannot pass on must not hold the test.
    let seen = '';
    for (const deadline = Date.now() + 120_000; seen !== names.join(' ') && Date.now() < deadline;) {
      const got = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`http://${ip}:80/`, { signal: AbortSignal.timeout(3000) }).then(
          (x) => x.text(),
          () => '',
        );
        if (r.trim()) got.add(r.trim());
      }
      seen = [...got].sort().join(' ');
      if (seen !== names.join(' ')) await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(seen, names.join(' '));
    // ELB's API shows what the Service made: the load balancer, tagged, and its targets the pods.
    const aws = async (args: string[]) => JSON.parse((await awsCli(fx.berth.endpoint, args)).stdout || '{}');
    const lb = (await aws(['elbv2', 'describe-load-balancers', '--names', hostname.split('-')[0] as string]))
      .LoadBalancers[0];
    assert.equal(lb.Type, 'network');
    assert.equal(lb.DNSName, hostname);
    const tags = (await aws(['elbv2', 'describe-tags', '--resource-arns', lb.LoadBalancerArn])).TagDescriptions[0].Tags;
    assert.deepEqual(
      tags.find((t: { Key: string }) => t.Key === 'kubernetes.io/service-name'),
      { Key: 'kubernetes.io/service-name', Value: 'default/front' },
    );
    const tg = (await aws(['elbv2', 'describe-target-groups', '--load-balancer-arn', lb.LoadBalancerArn]))
      .TargetGroups[0];
    const targets = (
      await aws(['elbv2', 'describe-target-health', '--target-group-arn', tg.TargetGroupArn])
    ).TargetHealthDescriptions.map(
      (d: { Target: { Id: string; Port: number } }) => `${d.Target.Id}:${d.Target.Port}`,
    ).sort();
    const podIPs = (await jsonpath(['get', 'pods', '-l', 'app=front'], '{.items[*].status.podIP}')).split(' ');
    assert.deepEqual(targets, podIPs.map((p) => `${p}:8080`).sort());
    // Deleted: the Service waits for its load balancer to go, then goes.
    await k.ok(['delete', 'svc/front', 'deploy/front']);
    const left = await awsCli(fx.berth.endpoint, ['elbv2', 'describe-load-balancers', '--names', lb.LoadBalancerName]);
    assert.match(left.stderr, /LoadBalancerNotFound/);
    assert.match((await k.kubectl(['get', 'svc', 'front'])).stderr, /not found/);
  });

  it('applies a pod’s security context: the default seccomp filter, no new privileges, runAsNonRoot', async () => {
    // Also: an emptyDir any user may write (0777, as the kubelet makes it), the pod's groups.
    const status =
      'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; id -u; touch /scratch/f && echo wrote; id -G | tr " " "\\n" | grep -cE "^(2000|3000)$"; true';
    const pod = (name: string, security: Record<string, unknown>, container: Record<string, unknown> = {}) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        securityContext: security,
        volumes: [{ name: 'scratch', emptyDir: {} }],
        containers: [
          {
            name: 'main',
            image: fx.imageUri,
            command: ['sh', '-c', status],
            securityContext: container,
            volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
          },
        ],
      },
    });
    const manifests = [
      pod(
        'confined',
        {
          seccompProfile: { type: 'RuntimeDefault' },
          runAsNonRoot: true,
          runAsUser: 1000,
          fsGroup: 2000,
          supplementalGroups: [3000],
        },
        {
          allowPrivilegeEscalation: false,
        },
      ),
      pod('plain', {}),
      pod('rooted', { runAsNonRoot: true }),
    ];
    await k.ok(['apply', '-f', '-'], manifests.map((m) => `---\n${JSON.stringify(m)}\n`).join(''));
    for (const name of ['confined', 'plain'])
      await until(
        `${name} Succeeded`,
        () => jsonpath(['get', 'pod', name], '{.status.phase}'),
        (v) => v === 'Succeeded',
      );
    assert.equal(await k.ok(['logs', 'confined']), 'NoNewPrivs:\t1\nSeccomp:\t2\n1000\nwrote\n2\n');
    assert.equal(await k.ok(['logs', 'plain']), 'NoNewPrivs:\t0\nSeccomp:\t0\n0\nwrote\n0\n');
    // Refused before it starts: the pod fails (it never restarts), its container never ran.
    const refused = await until(
      'rooted refused',
      () => jsonpath(['get', 'pod', 'rooted'], '{.status.containerStatuses[0].state.terminated.reason}'),
      (v) => v !== '',
    );
    assert.equal(refused, 'CreateContainerConfigError');
    assert.match(
      await jsonpath(['get', 'pod', 'rooted'], '{.status.containerStatuses[0].state.terminated.message}'),
      /^container has runAsNonRoot and image will run as root \(pod: "rooted_default", container: main\)$/,
    );
    assert.equal(await jsonpath(['get', 'pod', 'rooted'], '{.status.phase}'), 'Failed');
    assert.equal(await k.ok(['logs', 'rooted']), '', 'it ran nothing');
    // What berth cannot do yet is refused, naming the field.
    const localhost = await k.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify(pod('custom', { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } })),
    );
    assert.match(
      localhost.stderr,
      /spec\.securityContext\.seccompProfile\.type: Forbidden: Localhost seccomp profiles is not implemented in berth yet/,
    );
    await k.ok(['delete', 'pod', 'confined', 'plain', 'rooted', '--grace-period=0']);
  });

  it('gives a pod its ConfigMap, Secret and own fields as variables and files, holding it until they exist', async () => {
    await k.ok(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'configured', labels: { tier: 'front' } },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: fx.imageUri,
            command: [
              'sh',
              '-c',
              'echo "$GREETING|$CFG_color|$PASSWORD|$POD_NAME|$(POD_NAME)"; echo "ip=$POD_IP"; ' +
                'cat /etc/app/greeting.txt; echo; cat /etc/secret/password; echo; cat /etc/info/labels; echo; ' +
                '(echo x > /etc/app/new) 2>/dev/null || echo read-only',
            ],
            envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
            env: [
              { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
            volumeMounts: [
              { name: 'app', mountPath: '/etc/app' },
              { name: 'secret', mountPath: '/etc/secret' },
              { name: 'info', mountPath: '/etc/info' },
            ],
          },
        ],
        volumes: [
          { name: 'app', configMap: { name: 'settings', items: [{ key: 'greeting', path: 'greeting.txt' }] } },
          { name: 'secret', secret: { secretName: 'creds' } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        ],
      },
    };
    assert.match(await k.ok(['apply', '-f', '-'], JSON.stringify(pod)), /pod\/configured created/);
    // The ConfigMap does not exist yet: the kubelet's words, and the pod waits.
    await until(
      'held for its ConfigMap',
      () => k.ok(['get', 'pod', 'configured']),
      (v) => /configured\s+0\/1\s+ContainerCreating/.test(v),
    );
    assert.match(
      await k.ok(['describe', 'pod', 'configured']),
      /Warning\s+FailedMount\s+\S+\s+kubelet\s+MountVolume\.SetUp failed for volume "app" : configmap "settings" not found/,
    );
    await k.ok(['create', 'configmap', 'settings', '--from-literal=greeting=hello', '--from-literal=color=blue']);
    await until(
      'configured Succeeded',
      () => jsonpath(['get', 'pod', 'configured'], '{.status.phase}'),
      (v) => v === 'Succeeded',
    );
    const ip = await jsonpath(['get', 'pod', 'configured'], '{.status.podIP}');
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(
      await k.ok(['logs', 'configured']),
      `hello|blue|s3cret|configured|configured\nip=${ip}\nhello\ns3cret\ntier="front"\nread-only\n`,
    );
    await k.ok(['delete', 'pod/configured', 'configmap/settings', 'secret/creds']);
  });

  it('passes a ConfigMap’s change on to the files of a running pod’s volume', async () => {
    await k.ok(['create', 'configmap', 'live', '--from-literal=color=blue']);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'live' },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: 'main',
            image: fx.imageUri,
            command: ['sh', '-c', 'while true; do cat /etc/live/color; echo; sleep 1; done'],
            volumeMounts: [{ name: 'live', mountPath: '/etc/live' }],
          },
        ],
        volumes: [{ name: 'live', configMap: { name: 'live' } }],
      },
    };
    await k.ok(['apply', '-f', '-'], JSON.stringify(pod));
    await until(
      'the first color read',
      () => k.ok(['logs', 'live']),
      (v) => v.startsWith('blue\n'),
    );
    await k.ok(['patch', 'configmap', 'live', '-p', '{"data":{"color":"red","size":"2"}}']);
    await until(
      'the new color read by the same container',
      () => k.ok(['logs', 'live']),
      (v) => v.includes('red\n'),
    );
    assert.equal(await k.ok(['exec', 'live', '--', 'sh', '-c', 'cat /etc/live/size']), '2');
    assert.equal(await jsonpath(['get', 'pod', 'live'], '{.status.containerStatuses[0].restartCount}'), '0');
    await k.ok(['delete', 'pod/live', 'configmap/live']);
  });

  it('gives a pod its service account: a token, the CA and the API server at kubernetes.default, which kubectl in the pod uses', async () => {
    // kubectl itself (a static binary) in the pod: the in-cluster client, verifying the API
    // server's certificate against the pod's ca.crt and sending the pod's token.
    const image = await buildBusyboxImage({ copies: { '/bin/kubectl': realpathSync(await which('kubectl')) } });
    try {
      const uri = await fx.push(image.ref, 'e2e/kubectl');
      await k.ok(['create', 'namespace', 'team']);
      await until(
        'the default service account and root CA of team',
        async () =>
          (await k.kubectl(['get', 'serviceaccount/default', 'configmap/kube-root-ca.crt', '-n', 'team', '-o', 'name']))
            .stdout,
        (v) => v.split('\n').filter(Boolean).length === 2,
      );
      const script = [
        'kubectl auth whoami -o jsonpath={.status.userInfo.username}; echo',
        'kubectl get pods -o name',
        'echo ns=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)',
        'echo api=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT',
        'nslookup kubernetes.default.svc.cluster.local | grep -A1 -F kubernetes.default',
      ].join('; ');
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'inside', namespace: 'team' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            { name: 'main', image: uri, command: ['sh', '-c', script], env: [{ name: 'HOME', value: '/tmp' }] },
          ],
        },
      };
      await k.ok(['apply', '-f', '-'], JSON.stringify(pod));
      const phase = await until(
        'inside finished',
        () => jsonpath(['get', 'pod', 'inside', '-n', 'team'], '{.status.phase}'),
        (v) => v === 'Succeeded' || v === 'Failed',
      );
      const logs = await k.ok(['logs', 'inside', '-n', 'team']);
      assert.equal(phase, 'Succeeded', logs);
      const lines = logs.split('\n');
      assert.equal(lines[0], 'system:serviceaccount:team:default');
      assert.equal(lines[1], 'pod/inside');
      assert.equal(lines[2], 'ns=team');
      assert.equal(lines[3], 'api=10.96.0.1:443');
      assert.match(logs, /Name:\s+kubernetes\.default\.svc\.cluster\.local\nAddress:\s+10\.96\.0\.1/);
      const volume = await jsonpath(['get', 'pod', 'inside', '-n', 'team'], '{.spec.volumes[0].name}');
      assert.match(volume, /^kube-api-access-[a-z0-9]{5}$/);

      // From this host: a token asked for, the API over HTTPS on berth's port, verified with the cluster CA.
      const token = (await k.ok(['create', 'token', 'default', '-n', 'team', '--duration', '10m'])).trim();
      const ca = join(fx.berth.dataDir, 'cluster-ca.crt');
      writeFileSync(ca, await jsonpath(['get', 'configmap', 'kube-root-ca.crt', '-n', 'team'], '{.data.ca\\.crt}'));
      const https = [`--server=https://127.0.0.1:${new URL(fx.berth.endpoint).port}`, `--certificate-authority=${ca}`];
      assert.equal(
        (await k.ok([...https, `--token=${token}`, 'get', 'pods', '-n', 'team', '-o', 'name'])).trim(),
        'pod/inside',
      );
      const who = await k.ok([
        ...https,
        `--token=${token}`,
        'auth',
        'whoami',
        '-o',
        'jsonpath={.status.userInfo.groups}',
      ]);
      assert.equal(who, '["system:serviceaccounts","system:serviceaccounts:team","system:authenticated"]');
      const forged = `${token.slice(0, -4)}AAAA`;
      const refused = await k.kubectl([...https, `--token=${forged}`, 'get', 'pods', '-n', 'team']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /You must be logged in to the server/);
      await k.ok(['delete', 'namespace', 'team', '--wait=false']);
    } finally {
      image.dispose();
    }
  });

  it('preempts a lower-priority pod for a higher one that has no room: the victim deleted, the other placed', async () => {
    const cores = Number(await jsonpath(['get', 'nodes'], '{.items[0].status.allocatable.cpu}'));
    const sleeper = (name: string, cpu: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [
          { name: 'main', image: fx.imageUri, command: ['sh', '-c', 'sleep 3600'], resources: { requests: { cpu } } },
        ],
        ...extra,
      },
    });
    // The filler takes all but half a core; the urgent pod asks for a whole one.
    await k.ok(['apply', '-f', '-'], JSON.stringify(sleeper('filler', `${cores * 1000 - 500}m`)));
    await until(
      'filler running',
      () => jsonpath(['get', 'pod', 'filler'], '{.status.phase}'),
      (v) => v === 'Running',
    );
    await k.ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'urgent' },
        value: 1000,
      }),
    );
    await k.ok(['apply', '-f', '-'], JSON.stringify(sleeper('vip', '1', { priorityClassName: 'urgent' })));
    await until(
      'vip running where the filler was',
      () => jsonpath(['get', 'pod', 'vip'], '{.status.phase} {.spec.priority}'),
      (v) => v === 'Running 1000',
      90,
    );
    assert.equal((await k.kubectl(['get', 'pod', 'filler'])).code, 1, 'the filler is gone');
    assert.match(
      await k.ok(['get', 'events', '--field-selector', 'reason=Preempted', '-o', 'jsonpath={.items[*].message}']),
      /Preempted by pod [0-9a-f-]{36} on node \S+/,
    );
    await k.ok(['delete', 'pod/vip', 'priorityclass/urgent']);
  });

  it('restarts a crashing container with back-off: CrashLoopBackOff, its restarts counted, its last end kept', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'crashy' },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image: fx.imageUri, command: ['sh', '-c', 'echo trying; exit 3'] }],
      },
    };
    await k.ok(['apply', '-f', '-'], JSON.stringify(pod));
    const line = await until(
      'crash looping',
      () => k.ok(['get', 'pod', 'crashy']),
      (v) => /crashy\s+0\/1\s+CrashLoopBackOff\s+[1-9] \(\d+s ago\)/.test(v),
    );
    assert.match(line, /CrashLoopBackOff/);
    assert.equal(
      await jsonpath(['get', 'pod', 'crashy'], '{.status.containerStatuses[0].lastState.terminated.exitCode}'),
      '3',
    );
    assert.match(
      await k.ok(['describe', 'pod', 'crashy']),
      /Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+3/,
    );
    await k.ok(['delete', 'pod', 'crashy']);
  });

  it('runs commands in a pod with kubectl exec (input, exit codes, a terminal through a pty) and reaches it with port-forward', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shell' },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: 'main',
            image: fx.imageUri,
            env: [{ name: 'FLAVOR', value: 'berry' }],
            command: [
              'sh',
              '-c',
              'mkdir -p /www && echo served from $(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www',
            ],
          },
        ],
      },
    };
    await k.ok(['apply', '-f', '-'], JSON.stringify(pod));
    await until(
      'shell Running',
      () => jsonpath(['get', 'pod', 'shell'], '{.status.phase}'),
      (v) => v === 'Running',
    );
    // Output on both streams, the container's own environment, and the exit code as kubectl's own.
    const failed = await k.kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo out $FLAVOR; echo err >&2; exit 3']);
    assert.equal(failed.code, 3);
    assert.equal(failed.stdout, 'out berry\n');
    assert.match(failed.stderr, /^err\ncommand terminated with exit code 3\n$/);
    // Input to the end, then the command's answer.
    const upper = await k.kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'tr a-z A-Z; echo done'], 'hello\nworld\n');
    assert.equal(upper.code, 0, upper.stderr);
    assert.equal(upper.stdout, 'HELLO\nWORLD\ndone\n');
    // kubectl exec -it, its terminal a pty that script(1) makes: the command has a terminal, of
    // the size kubectl's own has once kubectl has sent it.
    const term = await new Promise<{ code: number; out: string }>((resolve) => {
      const inner = `stty rows 30 cols 100; kubectl exec -it shell -- sh -c 'tty; read line; echo got:$line; stty size; exit 4'`;
      const child = spawn('script', ['-qec', inner, '/dev/null'], {
        env: { ...process.env, KUBECONFIG: k.kubeconfig },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      setTimeout(() => child.stdin.write('hello\n'), 1500);
      child.once('exit', (code) => resolve({ code: code ?? -1, out }));
    });
    assert.match(term.out, /\/dev\/pts\/\d+/, term.out);
    assert.match(term.out, /got:hello\r?\n/, term.out);
    assert.match(term.out, /30 100/, term.out);
    assert.equal(term.code, 4, term.out);
    // Refusals in the API server's words.
    const nope = await k.kubectl(['exec', 'shell', '-c', 'other', '--', 'sh']);
    assert.notEqual(nope.code, 0);
    assert.match(nope.stderr, /container other is not valid for pod shell|container other not found in pod shell/);
    // port-forward: a local port reaching the pod's 8080, for more than one connection.
    const pf = k.follow(['port-forward', 'pod/shell', ':8080']);
    try {
      const line = await until(
        'forwarding',
        async () => pf.output(),
        (v) => /Forwarding from 127\.0\.0\.1:\d+ -> 8080/.test(v),
        30,
      );
      const local = Number(/127\.0\.0\.1:(\d+) -> 8080/.exec(line)?.[1]);
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`http://127.0.0.1:${local}/`);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), 'served from shell\n');
      }
      assert.match(pf.output(), /Handling connection for \d+/);
    } finally {
      pf.stop();
    }
    // The Python client (Debian's python3-kubernetes): lists, selects, watches, and exec over the
    // v4 channel protocol, its exit code read from the error channel's Status; a CRD and its
    // objects, and a server-side apply through the dynamic client.
    const script = fileURLToPath(new URL('./kube-python-client.py', import.meta.url));
    const py = await execFileP('/usr/bin/python3', [script, k.kubeconfig, 'shell'], { timeout: 120_000 });
    assert.deepEqual(JSON.parse(py.stdout), {
      nodes: 1,
      pod_phase: 'Running',
      deployments: [],
      selected: ['py-cm'],
      duplicate: [409, 'AlreadyExists'],
      events: [['MODIFIED', 'v2']],
      exec_stdout: 'py-berry\n',
      exec_stderr: 'oops\n',
      exec_code: 2,
      forwarded: 'served from shell\n',
      forward_error: null,
      log_lines: 0,
      established: ['NamesAccepted', 'Established'],
      gizmos: [['g', 1]],
      invalid: [422, 'Invalid'],
      conflict: [409, '.spec.n'],
      applied: 2,
    });
    await k.ok(['delete', 'pod', 'shell']);
  });
});
