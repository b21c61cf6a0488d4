import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { kubectlFor, kubeTools } from './kube-helpers.js';

// The controllers' workloads on berth's local agent through kubectl: Deployments, Jobs,
// DaemonSets, CronJobs, StatefulSets with their volumes, autoscalers, and draining the node.
describe('Kubernetes workloads on berth’s agent', () => {
  let fx: AgentFixture;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  before(async () => {
    // Usage read every 2 s and autoscalers evaluated every 3 s, so that an HPA is seen at work.
    fx = await startAgentFixture({}, { args: ['--usage-interval', '2', '--kube-hpa-period', '3'] });
    k = await kubectlFor(fx.berth.endpoint, fx.berth.dataDir);
  });
  after(async () => fx?.dispose());

  const { jsonpath, until, runOnce } = kubeTools(
    () => k,
    () => fx.imageUri,
  );

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

  /** A Job of one busybox container running `command`. */
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

  it('runs Jobs: one to completion, one in parallel to its completions, one failing to its backoff limit, one failed by its podFailurePolicy', async () => {
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
    await k.ok(['apply', '-f', '-'], JSON.stringify(job('many', { completions: 3, parallelism: 2 }, 'echo part')));
    await k.ok(['wait', '--for=condition=complete', 'job/many', '--timeout=90s']);
    assert.equal(await jsonpath(['get', 'job', 'many'], '{.status.succeeded}'), '3');
    assert.equal((await k.ok(['get', 'pods', '-l', 'job-name=many', '-o', 'name'])).trim().split('\n').length, 3);
    await k.ok(['apply', '-f', '-'], JSON.stringify(job('doomed', { backoffLimit: 1 }, 'exit 3')));
    await k.ok(['wait', '--for=condition=failed', 'job/doomed', '--timeout=90s']);
    assert.equal(await jsonpath(['get', 'job', 'doomed'], '{.status.failed}'), '2');
    // The second pod came after the Job controller's back-off (10 s) from the first one's end.
    const [first, second] = (
      await jsonpath(
        ['get', 'pods', '-l', 'job-name=doomed', '--sort-by=.metadata.creationTimestamp'],
        '{range .items[*]}{.status.containerStatuses[0].state.terminated.finishedAt} {.metadata.creationTimestamp}{"\\n"}{end}',
      )
    )
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map((t) => Date.parse(t)));
    assert.ok((second?.[1] ?? 0) - (first?.[0] ?? 0) >= 9_000, `${String(first)} then ${String(second)}`);
    assert.equal(
      await jsonpath(['get', 'job', 'doomed'], '{.status.conditions[?(@.type=="Failed")].reason}'),
      'BackoffLimitExceeded',
    );
    // A podFailurePolicy: exit code 42 fails the Job at once, whatever its backoffLimit.
    const policy = {
      backoffLimit: 6,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
    };
    await k.ok(['apply', '-f', '-'], JSON.stringify(job('fatal', policy, 'exit 42')));
    await k.ok(['wait', '--for=condition=failed', 'job/fatal', '--timeout=90s']);
    assert.equal(
      await jsonpath(['get', 'job', 'fatal'], '{.status.conditions[?(@.type=="Failed")].reason}'),
      'PodFailurePolicy',
    );
    assert.match(
      await jsonpath(['get', 'job', 'fatal'], '{.status.conditions[?(@.type=="Failed")].message}'),
      /^Container main for pod default\/fatal-\w+ failed with exit code 42 matching FailJob rule at index 0$/,
    );
    assert.equal((await k.ok(['get', 'pods', '-l', 'job-name=fatal', '-o', 'name'])).trim().split('\n').length, 1);
    await k.ok(['delete', 'job', 'once', 'many', 'doomed', 'fatal']);
    await until(
      'the jobs’ pods gone',
      () => k.ok(['get', 'pods', '-l', 'batch.kubernetes.io/job-name', '-o', 'name']),
      (v) => v === '',
    );
  });

  it('runs an Indexed Job (each pod its index and hostname), and a Job created suspended, then resumed', async () => {
    const indexed = { completionMode: 'Indexed', completions: 3, parallelism: 3 };
    await k.ok(
      ['apply', '-f', '-'],
      JSON.stringify(job('indexed', indexed, 'echo "$JOB_COMPLETION_INDEX $(hostname)"')),
    );
    await k.ok(['wait', '--for=condition=complete', 'job/indexed', '--timeout=90s']);
    assert.equal(await jsonpath(['get', 'job', 'indexed'], '{.status.completedIndexes}'), '0-2');
    const names = (await k.ok(['get', 'pods', '-l', 'job-name=indexed', '-o', 'name'])).trim().split('\n');
    const lines = await Promise.all(names.map((n) => k.ok(['logs', n])));
    assert.deepEqual(lines.sort(), ['0 indexed-0\n', '1 indexed-1\n', '2 indexed-2\n']);
    assert.ok(
      names.every((n) => /^pod\/indexed-[0-2]-[a-z0-9]{5}$/.test(n)),
      names.join(' '),
    );
    // Suspended: no pod until it is resumed; then it runs to completion.
    await k.ok(['apply', '-f', '-'], JSON.stringify(job('later', { suspend: true }, 'echo resumed')));
    await until(
      'the Job suspended',
      () => jsonpath(['get', 'job', 'later'], '{.status.conditions[?(@.type=="Suspended")].reason}'),
      (v) => v === 'JobSuspended',
    );
    assert.equal(await k.ok(['get', 'pods', '-l', 'job-name=later', '-o', 'name']), '');
    assert.match(await k.ok(['patch', 'job', 'later', '-p', '{"spec":{"suspend":false}}']), /job.batch\/later patched/);
    await k.ok(['wait', '--for=condition=complete', 'job/later', '--timeout=90s']);
    assert.equal(await k.ok(['logs', 'job/later']), 'resumed\n');
    assert.equal(
      await jsonpath(['get', 'job', 'later'], '{.status.conditions[?(@.type=="Suspended")].reason}'),
      'JobResumed',
    );
    const events = await k.ok(['get', 'events', '--field-selector', 'involvedObject.name=later', '-o', 'name']);
    assert.ok(events.trim().length > 0);
    const reasons = await jsonpath(
      ['get', 'events', '--field-selector', 'involvedObject.name=later'],
      '{range .items[*]}{.reason}{"\\n"}{end}',
    );
    for (const r of ['Suspended', 'Resumed', 'SuccessfulCreate', 'Completed'])
      assert.match(reasons, new RegExp(`^${r}$`, 'm'));
    await k.ok(['delete', 'job', 'indexed', 'later']);
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
    // The volume is a directory of the node's agent; with the claim both go (the volume once the
    // agent has removed the directory).
    const dir = join(fx.berth.dataDir, 'agent', 'volumes', volume);
    assert.ok(existsSync(join(dir, 'boots')), dir);
    await k.ok(['delete', 'pvc', 'data-db-0']);
    await until(
      'its volume gone',
      () => k.ok(['get', 'pv', '-o', 'name']),
      (v) => v === '',
    );
    assert.ok(!existsSync(dir), `${dir} removed`);
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
});
