import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { sleep } from './harness.js';
import { kubectlFor } from './kube-helpers.js';

const execFileP = promisify(execFile);

// Pods on berth's local agent through kubectl: the node it is, a pod scheduled there, run under
// runc, its status, output and deletion.
describe('Kubernetes pods on berth’s agent', () => {
  let fx: AgentFixture;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  before(async () => {
    // Usage read every 2 s and autoscalers evaluated every 3 s, so that an HPA is seen at work.
    fx = await startAgentFixture({}, { args: ['--usage-interval', '2', '--kube-hpa-period', '3'] });
    k = await kubectlFor(fx.berth.endpoint, fx.berth.dataDir);
  });
  after(async () => fx?.dispose());

  const jsonpath = (args: string[], path: string) => k.ok([...args, '-o', `jsonpath=${path}`]);
  const until = async (what: string, read: () => Promise<string>, want: (v: string) => boolean, seconds = 60) => {
    let v = '';
    for (let i = 0; i < seconds * 5; i++) {
      v = await read();
      if (want(v)) return v;
      await sleep(200);
    }
    assert.fail(`${what}: last saw ${JSON.stringify(v)}`);
  };

  /** Runs `script` in a one-off pod (`sh -c`, never restarted) to its end; answers its output. */
  const runOnce = async (name: string, script: string) => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: fx.imageUri, command: ['sh', '-c', script] }],
      },
    };
    await k.ok(['apply', '-f', '-'], JSON.stringify(pod));
    await until(
      `${name} ended`,
      () => jsonpath(['get', 'pod', name], '{.status.phase}'),
      (v) => v === 'Succeeded' || v === 'Failed',
    );
    return k.ok(['logs', name]);
  };

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
    const described = await k.ok(['describe', 'pod', 'hello']);
    assert.match(
      described,
      new RegExp(`Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/hello to ${node}`),
    );
    assert.match(described, /Normal\s+Started\s+\S+\s+kubelet\s+Started container main/);
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

  it('rolls out a Deployment, scales it, rolls a new template out and back, and deletes it with its pods', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            containers: [
              {
                name: 'main',
                image: fx.imageUri,
                command: ['sh', '-c', 'echo serving $VERSION; while true; do sleep 1; done'],
                env: [{ name: 'VERSION', value: 'one' }],
              },
            ],
          },
        },
      },
    };
    assert.match(await k.ok(['apply', '-f', '-'], JSON.stringify(deployment)), /deployment.apps\/web created/);
    assert.match(
      await k.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']),
      /deployment "web" successfully rolled out/,
    );
    assert.match(
      await k.ok(['get', 'events', '--field-selector', 'involvedObject.name=web']),
      /ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-\S+ from 0 to 2/,
    );
    assert.match(await k.ok(['get', 'deployment', 'web']), /web\s+2\/2\s+2\s+2\s+\S+/);
    const pods = () =>
      k.ok([
        'get',
        'pods',
        '-l',
        'app=web',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}',
      ]);
    assert.equal((await pods()).trim().split('\n').length, 2);
    assert.match(await k.ok(['scale', 'deployment/web', '--replicas=3']), /deployment.apps\/web scaled/);
    await until(
      '3 pods running',
      pods,
      (v) =>
        v
          .trim()
          .split('\n')
          .filter((l) => l.endsWith(' Running')).length === 3,
    );
    await k.ok(['set', 'env', 'deployment/web', 'VERSION=two']);
    assert.match(await k.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']), /successfully rolled out/);
    const rs = await k.ok([
      'get',
      'rs',
      '-l',
      'app=web',
      '-o',
      'jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}={.spec.replicas} {end}',
    ]);
    assert.deepEqual(rs.trim().split(' ').sort(), ['1=0', '2=3']);
    const hash = await k.ok([
      'get',
      'rs',
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[?(@.spec.replicas==3)].metadata.labels.pod-template-hash}',
    ]);
    const output = await until(
      'the new template’s output',
      async () => (await k.kubectl(['logs', '-l', `pod-template-hash=${hash}`])).stdout,
      (v) => v.split('\n').filter((l) => l === 'serving two').length === 3,
    );
    assert.doesNotMatch(output, /serving one/);
    await k.ok(['rollout', 'undo', 'deployment/web']);
    assert.match(await k.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']), /successfully rolled out/);
    assert.equal(
      await jsonpath(['get', 'deployment', 'web'], '{.spec.template.spec.containers[0].env[0].value}'),
      'one',
    );
    assert.equal(
      await jsonpath(['get', 'deployment', 'web'], '{.metadata.annotations.deployment\\.kubernetes\\.io/revision}'),
      '3',
    );
    await k.ok(['delete', 'deployment', 'web']);
    await until(
      'its ReplicaSets and pods gone',
      () => k.ok(['get', 'rs,pods', '-l', 'app=web', '-o', 'name']),
      (v) => v === '',
    );
  });

  it('runs Jobs: one to completion, one in parallel to its completions, one failing to its backoff limit', async () => {
    assert.match(
      await k.ok(['create', 'job', 'once', `--image=${fx.imageUri}`, '--', 'sh', '-c', 'echo job done']),
      /job.batch\/once created/,
    );
    assert.match(
      await k.ok(['wait', '--for=condition=complete', 'job/once', '--timeout=60s']),
      /job.batch\/once condition met/,
    );
    assert.equal(await k.ok(['logs', 'job/once']), 'job done\n');
    assert.match(await k.ok(['get', 'job', 'once']), /once\s+Complete\s+1\/1\s+\S+\s+\S+/);
    const job = (name: string, spec: object, command: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: {
        ...spec,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'main', image: fx.imageUri, command: ['sh', '-c', command] }],
          },
        },
      },
    });
    await k.ok(['apply', '-f', '-'], JSON.stringify(job('many', { completions: 3, parallelism: 2 }, 'echo part')));
    await k.ok(['wait', '--for=condition=complete', 'job/many', '--timeout=90s']);
    assert.equal(await jsonpath(['get', 'job', 'many'], '{.status.succeeded}'), '3');
    assert.equal((await k.ok(['get', 'pods', '-l', 'job-name=many', '-o', 'name'])).trim().split('\n').length, 3);
    await k.ok(['apply', '-f', '-'], JSON.stringify(job('doomed', { backoffLimit: 1 }, 'exit 3')));
    await k.ok(['wait', '--for=condition=failed', 'job/doomed', '--timeout=90s']);
    assert.equal(await jsonpath(['get', 'job', 'doomed'], '{.status.failed}'), '2');
    assert.equal(
      await jsonpath(['get', 'job', 'doomed'], '{.status.conditions[?(@.type=="Failed")].reason}'),
      'BackoffLimitExceeded',
    );
    await k.ok(['delete', 'job', 'once', 'many', 'doomed']);
    await until(
      'the jobs’ pods gone',
      () => k.ok(['get', 'pods', '-l', 'batch.kubernetes.io/job-name', '-o', 'name']),
      (v) => v === '',
    );
  });

  it('runs a DaemonSet’s pod on the node, rolls a new template out, and deletes it with its pod', async () => {
    const ds = (version: string) => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'main',
                image: fx.imageUri,
                command: ['sh', '-c', `echo ${version}; while true; do sleep 1; done`],
              },
            ],
          },
        },
      },
    });
    await k.ok(['apply', '-f', '-'], JSON.stringify(ds('v1')));
    assert.match(
      await k.ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s']),
      /daemon set "agent" successfully rolled out/,
    );
    const node = await jsonpath(['get', 'nodes'], '{.items[0].metadata.name}');
    assert.equal(await jsonpath(['get', 'pods', '-l', 'app=agent'], '{.items[*].spec.nodeName}'), node);
    assert.match(await k.ok(['get', 'ds', 'agent']), /agent\s+1\s+1\s+1\s+1\s+1\s+<none>/);
    await k.ok(['apply', '-f', '-'], JSON.stringify(ds('v2')));
    assert.match(await k.ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s']), /successfully rolled out/);
    await until(
      'the new template running',
      async () => (await k.kubectl(['logs', 'daemonset/agent'])).stdout,
      (v) => v === 'v2\n',
    );
    await k.ok(['delete', 'daemonset', 'agent']);
    await until(
      'its pod gone',
      () => k.ok(['get', 'pods', '-l', 'app=agent', '-o', 'name']),
      (v) => v === '',
    );
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
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'echo' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'echo' } },
          template: {
            metadata: { labels: { app: 'echo' } },
            spec: {
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
            },
          },
        },
      },
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

  it('fires a CronJob on its schedule: a Job whose pod runs to completion, gone with the CronJob', async () => {
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick' },
      spec: {
        schedule: '* * * * *',
        concurrencyPolicy: 'Forbid',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'main', image: fx.imageUri, command: ['sh', '-c', 'echo tick'] }],
              },
            },
          },
        },
      },
    };
    await k.ok(['apply', '-f', '-'], JSON.stringify(cron));
    // Within the next minute (and a little): a Job of the template, completed.
    const job = await until(
      'a completed Job of the CronJob',
      () => jsonpath(['get', 'jobs'], '{range .items[?(@.status.succeeded==1)]}{.metadata.name}{"\\n"}{end}'),
      (v) => /^tick-\d+$/m.test(v),
      100,
    );
    const name = (/^tick-\d+$/m.exec(job) ?? [''])[0];
    assert.equal(await k.ok(['logs', `job/${name}`]), 'tick\n');
    assert.match(
      await k.ok(['get', 'cronjob', 'tick']),
      /\ntick\s+\* \* \* \* \*\s+<none>\s+False\s+[01]\s+\d+s\s+\d+/,
    );
    assert.match(
      await k.ok(['describe', 'cronjob', 'tick']),
      new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+cronjob-controller\\s+Created job ${name}`),
    );
    await k.ok(['delete', 'cronjob', 'tick']);
    await until(
      'the CronJob’s Jobs and pods gone',
      () => k.ok(['get', 'jobs,pods', '-l', 'batch.kubernetes.io/job-name', '-o', 'name']),
      (v) => !/tick-/.test(v),
    );
  });

  it('runs a StatefulSet in order with stable names, each pod named in DNS under its headless service', async () => {
    const docs = [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'db' },
        spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 8080 }] },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: {
          replicas: 2,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: {
              terminationGracePeriodSeconds: 0,
              containers: [
                {
                  name: 'main',
                  image: fx.imageUri,
                  command: ['sh', '-c', 'hostname; exec sleep 600'],
                  readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
    ];
    await k.ok(['apply', '-f', '-'], docs.map((d) => `---\n${JSON.stringify(d)}\n`).join(''));
    const status = await k.ok(['rollout', 'status', 'statefulset/db', '--timeout=90s']);
    // (kubectl's words for any RollingUpdate StatefulSet, partition 0 included.)
    assert.match(status, /partitioned roll out complete: 2 new pods have been updated\.\.\.\n$/);
    assert.match(await k.ok(['get', 'sts', 'db']), /\ndb\s+2\/2\s+\d+s\n/);
    assert.equal(await k.ok(['logs', 'db-1']), 'db-1\n');
    // db-1 was made only once db-0 was ready (to the second: the unit tests check the order itself).
    const ready0 = await jsonpath(
      ['get', 'pod', 'db-0'],
      '{.status.conditions[?(@.type=="Ready")].lastTransitionTime}',
    );
    const made1 = await jsonpath(['get', 'pod', 'db-1'], '{.metadata.creationTimestamp}');
    assert.ok(Date.parse(ready0) <= Date.parse(made1), `db-0 ready ${ready0}, db-1 made ${made1}`);
    assert.match(
      await k.ok(['describe', 'sts', 'db']),
      /Normal\s+SuccessfulCreate\s+\S+\s+statefulset-controller\s+create Pod db-1 in StatefulSet db successful/,
    );
    const ip1 = await jsonpath(['get', 'pod', 'db-1'], '{.status.podIP}');
    const found = await runOnce(
      'db-client',
      'nslookup db-1.db.default.svc.cluster.local | grep -A1 "^Name:" | tail -1',
    );
    assert.match(found, new RegExp(`^Address:\\s+${ip1.replaceAll('.', '\\.')}\n$`));
    await k.ok(['scale', 'statefulset/db', '--replicas=1']);
    await until(
      'db scaled to one, from the top',
      () => k.ok(['get', 'pods', '-l', 'app=db', '-o', 'name']),
      (v) => v === 'pod/db-0\n',
    );
    await k.ok(['delete', 'sts/db', 'svc/db', 'pod/db-client']);
    await until(
      'db’s pods gone',
      () => k.ok(['get', 'pods', '-l', 'app=db', '-o', 'name']),
      (v) => v === '',
    );
  });

  it('autoscales a CPU-burning Deployment up with an HPA, shows its use in kubectl top, and back down when idle', async () => {
    await k.ok(['create', 'deployment', 'burner', `--image=${fx.imageUri}`, '--', 'sh', '-c', 'while :; do :; done']);
    await k.ok(['set', 'resources', 'deployment/burner', '--requests=cpu=200m']);
    assert.match(
      await k.ok(['autoscale', 'deployment', 'burner', '--cpu-percent=50', '--min=1', '--max=2']),
      /horizontalpodautoscaler\.autoscaling\/burner autoscaled/,
    );
    await k.ok([
      'patch',
      'hpa',
      'burner',
      '--type=merge',
      '-p',
      '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}}}',
    ]);
    await until(
      'burner scaled to 2',
      () => jsonpath(['get', 'deploy', 'burner'], '{.spec.replicas}'),
      (v) => v === '2',
      90,
    );
    const hpa = await k.ok(['get', 'hpa', 'burner']);
    assert.match(
      hpa,
      /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nburner\s+Deployment\/burner\s+cpu: \d+%\/50%\s+1\s+2\s+[12]\s+\d+s\n$/,
    );
    assert.match(
      await k.ok(['describe', 'hpa', 'burner']),
      /Normal\s+SuccessfulRescale\s+\S+\s+horizontal-pod-autoscaler\s+New size: 2; reason: cpu resource utilization \(percentage of request\) above target/,
    );
    const top = await until(
      'kubectl top shows the burners',
      () => k.kubectl(['top', 'pod', '-l', 'app=burner']).then((r) => r.stdout),
      (v) => /\nburner-\S+\s+\d+m\s+\d+Mi/.test(v),
    );
    assert.match(top, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n/);
    // Idle pods (a new template): the autoscaler goes back to its minimum.
    await k.ok([
      'patch',
      'deployment',
      'burner',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/template/spec/containers/0/command","value":["sh","-c","exec sleep 600"]}]',
    ]);
    await until(
      'burner scaled back to 1',
      () => jsonpath(['get', 'deploy', 'burner'], '{.spec.replicas}'),
      (v) => v === '1',
      90,
    );
    assert.equal(
      await jsonpath(
        ['get', 'horizontalpodautoscalers.v1.autoscaling', 'burner'],
        '{.spec.targetCPUUtilizationPercentage}',
      ),
      '50',
    );
    await k.ok(['delete', 'hpa/burner', 'deploy/burner']);
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

  it('keeps a StatefulSet pod’s data in its claim across restarts: a local-path volume provisioned on the node', async () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [
              {
                name: 'main',
                image: fx.imageUri,
                command: ['sh', '-c', 'echo boot >> /data/boots; echo boots=$(wc -l < /data/boots); exec sleep 3600'],
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } },
          },
        ],
      },
    };
    assert.match(await k.ok(['apply', '-f', '-'], JSON.stringify(sts)), /statefulset\.apps\/db created/);
    await until(
      'db-0 Running',
      () => jsonpath(['get', 'pod', 'db-0'], '{.status.phase}'),
      (v) => v === 'Running',
    );
    assert.match(
      await k.ok(['get', 'storageclass']),
      /local-path \(default\)\s+local-path\.berth\.io\s+Delete\s+WaitForFirstConsumer\s+false/,
    );
    const pvc = await k.ok(['get', 'pvc', 'data-db-0']);
    assert.match(pvc, /data-db-0\s+Bound\s+pvc-[0-9a-f-]+\s+64Mi\s+RWO\s+local-path\s+<unset>/);
    const volume = (/pvc-[0-9a-f-]+/.exec(pvc) ?? [''])[0];
    assert.match(
      await k.ok(['get', 'pv', volume]),
      new RegExp(`${volume}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/data-db-0\\s+local-path`),
    );
    assert.match(
      await k.ok(['describe', 'pvc', 'data-db-0']),
      /ProvisioningSucceeded\s+.*Successfully provisioned volume/,
    );
    await until(
      'its first boot',
      () => k.ok(['logs', 'db-0']),
      (v) => v === 'boots=1\n',
    );
    // The pod goes; the StatefulSet makes it again under its name, with the same claim and data.
    await k.ok(['delete', 'pod', 'db-0']);
    await until(
      'its second boot',
      () => k.kubectl(['logs', 'db-0']).then((r) => r.stdout),
      (v) => v === 'boots=2\n',
    );
    // The set goes, its claim stays (Retain); the claim goes, its volume does (Delete).
    await k.ok(['delete', 'statefulset', 'db']);
    await until(
      'db-0 gone',
      () => k.ok(['get', 'pods', '-l', 'app=db', '-o', 'name']),
      (v) => v === '',
    );
    assert.match(await k.ok(['get', 'pvc', '-o', 'name']), /persistentvolumeclaim\/data-db-0/);
    await k.ok(['delete', 'pvc', 'data-db-0']);
    await until(
      'its volume gone',
      () => k.ok(['get', 'pv', '-o', 'name']),
      (v) => v === '',
    );
  });

  it('drains the node with kubectl drain: evictions held by a PodDisruptionBudget, the node cordoned, then uncordoned', async () => {
    const node = (await k.ok(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const manifests = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'guarded' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'guarded' } },
          template: {
            metadata: { labels: { app: 'guarded' } },
            spec: {
              terminationGracePeriodSeconds: 0,
              containers: [{ name: 'main', image: fx.imageUri, command: ['sh', '-c', 'exec sleep 3600'] }],
            },
          },
        },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'guarded' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } },
      },
    ];
    await k.ok(['apply', '-f', '-'], manifests.map((m) => `---\n${JSON.stringify(m)}\n`).join(''));
    await until(
      'guarded ready',
      () => jsonpath(['get', 'deploy', 'guarded'], '{.status.readyReplicas}'),
      (v) => v === '2',
    );
    await until(
      'the budget counted',
      () => k.ok(['get', 'pdb', 'guarded']),
      (v) => /guarded\s+2\s+N\/A\s+0\s/.test(v),
    );
    // The budget allows no disruption: kubectl retries its evictions until its timeout.
    const held = await k.kubectl([
      'drain',
      node,
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--force',
      '--timeout=8s',
    ]);
    assert.notEqual(held.code, 0);
    assert.match(held.stdout + held.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
    assert.match(await k.ok(['get', 'node', node]), /Ready,SchedulingDisabled/);
    assert.equal(
      (await k.ok(['get', 'pods', '-l', 'app=guarded', '--field-selector=status.phase=Running', '-o', 'name']))
        .trim()
        .split('\n').length,
      2,
    );
    // Without the budget the drain goes through; the pods made again wait for a node.
    await k.ok(['delete', 'pdb', 'guarded']);
    const drained = await k.ok([
      'drain',
      node,
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--force',
      '--timeout=60s',
    ]);
    assert.match(drained, new RegExp(`evicting pod default/guarded-[\\w-]+[\\s\\S]*node/${node} drained`));
    await until(
      'replacements unschedulable',
      () => k.ok(['get', 'events', '--field-selector', 'reason=FailedScheduling']),
      (v) => /1 node\(s\) were unschedulable/.test(v),
    );
    await k.ok(['uncordon', node]);
    await until(
      'guarded back',
      () => jsonpath(['get', 'deploy', 'guarded'], '{.status.readyReplicas}'),
      (v) => v === '2',
    );
    await k.ok(['delete', 'deployment', 'guarded']);
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
    // v4 channel protocol, its exit code read from the error channel's Status.
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
    });
    await k.ok(['delete', 'pod', 'shell']);
  });
});
