// e2e lane: shared — runs no task on this host, so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, startBerth, type BerthProcess } from './harness.js';
import { kubectlFor } from './kube-helpers.js';

// The Kubernetes API as kubectl 1.32 drives it: discovery, typed creates (sent as protobuf),
// apply with server-side field validation, label/patch, tables, watches, namespace deletion.
describe('kubectl against berth’s Kubernetes API', () => {
  let berth: BerthProcess;
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  before(async () => {
    berth = await startBerth({ args: ['--no-agent'] });
    k = await kubectlFor(berth.endpoint, berth.dataDir);
  });
  after(async () => berth?.dispose());
  const kubectl = (args: string[], input?: string) => k.kubectl(args, input);
  const ok = (args: string[], input?: string) => k.ok(args, input);

  it('lists the system namespaces right after berth up, with the server’s version', async () => {
    const ns = await ok(['get', 'namespaces', '-o', 'name']);
    assert.deepEqual(ns.trim().split('\n'), [
      'namespace/default',
      'namespace/kube-node-lease',
      'namespace/kube-public',
      'namespace/kube-system',
    ]);
    assert.match(await ok(['version']), /Server Version: v1\.32\.0-berth\./);
    const table = await ok(['get', 'ns', 'default']);
    assert.match(table, /^NAME\s+STATUS\s+AGE\ndefault\s+Active\s+\d+s\n$/);
  });

  it('creates namespaces, config maps, secrets and service accounts, and reads them back', async () => {
    assert.match(await ok(['create', 'namespace', 'shop']), /namespace\/shop created/);
    await ok(['-n', 'shop', 'create', 'configmap', 'app', '--from-literal=color=blue', '--from-literal=size=2']);
    await ok(['-n', 'shop', 'create', 'secret', 'generic', 'creds', '--from-literal=user=admin']);
    await ok(['-n', 'shop', 'create', 'serviceaccount', 'robot']);
    assert.equal(await ok(['-n', 'shop', 'get', 'cm', 'app', '-o', 'jsonpath={.data.color}/{.data.size}']), 'blue/2');
    assert.equal(
      Buffer.from(
        await ok(['-n', 'shop', 'get', 'secret', 'creds', '-o', 'jsonpath={.data.user}']),
        'base64',
      ).toString(),
      'admin',
    );
    const listed = await ok(['-n', 'shop', 'get', 'cm,secret,sa']);
    assert.match(listed, /configmap\/app\s+2\s+\d+s/);
    assert.match(listed, /secret\/creds\s+Opaque\s+1\s+\d+s/);
    assert.match(listed, /serviceaccount\/robot\s+0\s+\d+s/);
    const again = await kubectl(['create', 'namespace', 'shop']);
    assert.match(again.stderr, /Error from server \(AlreadyExists\): namespaces "shop" already exists/);
    const missing = await kubectl(['-n', 'nowhere', 'create', 'configmap', 'x']);
    assert.match(missing.stderr, /namespaces "nowhere" not found/);
  });

  it('applies manifests: created, configured, unchanged; unknown fields and bad names refused', async () => {
    const manifest = (a: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: shop\n  labels: {app: web}\ndata:\n  a: "${a}"\n`;
    assert.match(await ok(['apply', '-f', '-'], manifest('1')), /configmap\/web created/);
    assert.match(await ok(['apply', '-f', '-'], manifest('2')), /configmap\/web configured/);
    assert.match(await ok(['apply', '-f', '-'], manifest('2')), /configmap\/web unchanged/);
    assert.equal(await ok(['-n', 'shop', 'get', 'cm', 'web', '-o', 'jsonpath={.data.a}']), '2');
    const unknown = await kubectl(['apply', '-f', '-'], `${manifest('3')}datta: {x: y}\n`);
    assert.match(unknown.stderr, /strict decoding error: unknown field "datta"/);
    const badName = await kubectl(['apply', '-f', '-'], manifest('3').replace('name: web', 'name: Web_1'));
    assert.match(badName.stderr, /The ConfigMap "Web_1" is invalid: metadata\.name: Invalid value: "Web_1"/);
    assert.equal(await ok(['-n', 'shop', 'get', 'cm', 'web', '-o', 'jsonpath={.data.a}']), '2');
    // A `kind: List` (what `kubectl get -o yaml` of several objects gives), validated as kubectl does.
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: ['l1', 'l2'].map((name) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'shop' },
      })),
    };
    assert.match(await ok(['apply', '-f', '-'], JSON.stringify(list)), /configmap\/l1 created\nconfigmap\/l2 created/);
    await ok(['-n', 'shop', 'delete', 'cm', 'l1', 'l2']);
  });

  it('applies server-side: a field another manager set is a conflict, forced it is taken over, dropped it goes', async () => {
    await ok(['-n', 'shop', 'create', 'configmap', 'ssa', '--from-literal=color=blue']);
    const config = (data: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: shop\ndata:\n${data}`;
    const refused = await kubectl(['apply', '--server-side', '-f', '-'], config('  color: red\n'));
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /Apply failed with 1 conflict: conflict with "kubectl-create" using v1: \.data\.color\n[^]*--force-conflicts/,
    );
    assert.equal(await ok(['-n', 'shop', 'get', 'cm', 'ssa', '-o', 'jsonpath={.data.color}']), 'blue');
    const forced = await ok(
      ['apply', '--server-side', '--force-conflicts', '-f', '-'],
      config('  color: red\n  size: "2"\n'),
    );
    assert.match(forced, /configmap\/ssa serverside-applied/);
    const managers = async () =>
      JSON.parse(await ok(['-n', 'shop', 'get', 'cm', 'ssa', '-o', 'json', '--show-managed-fields'])) as {
        data: Record<string, string>;
        metadata: { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] };
      };
    let o = await managers();
    assert.deepEqual(o.data, { color: 'red', size: '2' });
    assert.deepEqual(
      o.metadata.managedFields.map((m) => [m.manager, m.operation, m.fieldsV1]),
      [['kubectl', 'Apply', { 'f:data': { 'f:color': {}, 'f:size': {} } }]],
    );
    // Another manager sets the same value: shared, no conflict; the first drops the field, which stays.
    await ok(['apply', '--server-side', '--field-manager=ci', '-f', '-'], config('  size: "2"\n'));
    await ok(['apply', '--server-side', '-f', '-'], config('  color: red\n'));
    o = await managers();
    assert.deepEqual(o.data, { color: 'red', size: '2' });
    await ok(['apply', '--server-side', '--field-manager=ci', '-f', '-'], config('  other: "x"\n'));
    assert.deepEqual((await managers()).data, { color: 'red', other: 'x' });
    // A Deployment: its containers merge by name, an image changes without a conflict for its own manager.
    const deployment = (image: string) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'ssa', namespace: 'shop' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'ssa' } },
          template: { metadata: { labels: { app: 'ssa' } }, spec: { containers: [{ name: 'main', image }] } },
        },
      });
    await ok(['apply', '--server-side', '-f', '-'], deployment('busybox:1'));
    await ok(['apply', '--server-side', '-f', '-'], deployment('busybox:2'));
    assert.equal(
      await ok(['-n', 'shop', 'get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.template.spec.containers[*].image}']),
      'busybox:2',
    );
    await ok(['-n', 'shop', 'delete', 'deploy/ssa', 'cm/ssa']);
  });

  it('labels, selects and patches (strategic, merge and JSON patch)', async () => {
    await ok(['-n', 'shop', 'label', 'cm', 'web', 'tier=front']);
    assert.equal(
      await ok(['-n', 'shop', 'get', 'cm', '-l', 'app=web,tier in (front)', '-o', 'name']),
      'configmap/web\n',
    );
    // Every namespace holds kube-root-ca.crt too (unlabelled), as in any cluster.
    assert.equal(
      await ok(['-n', 'shop', 'get', 'cm', '-l', '!tier', '-o', 'name']),
      'configmap/app\nconfigmap/kube-root-ca.crt\n',
    );
    assert.equal(
      await ok(['-n', 'shop', 'get', 'cm', '--field-selector', 'metadata.name=app', '-o', 'name']),
      'configmap/app\n',
    );
    await ok(['-n', 'shop', 'patch', 'cm', 'web', '-p', '{"data":{"b":"3"}}']);
    await ok(['-n', 'shop', 'patch', 'cm', 'web', '--type=merge', '-p', '{"data":{"a":null}}']);
    await ok(['-n', 'shop', 'patch', 'cm', 'web', '--type=json', '-p', '[{"op":"add","path":"/data/c","value":"4"}]']);
    assert.equal(await ok(['-n', 'shop', 'get', 'cm', 'web', '-o', 'jsonpath={.data}']), '{"b":"3","c":"4"}');
    const failed = await kubectl([
      '-n',
      'shop',
      'patch',
      'cm',
      'web',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/data/b","value":"9"}]',
    ]);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /testing value \/data\/b failed/);
  });

  it('watches: kubectl get -w prints each change as it happens', async () => {
    const watch = k.follow(['-n', 'shop', 'get', 'cm', '-w', '--output-watch-events']);
    try {
      for (let i = 0; i < 100 && !watch.output().includes('web'); i++) await sleep(50);
      await ok(['-n', 'shop', 'create', 'configmap', 'watched', '--from-literal=x=1']);
      await ok(['-n', 'shop', 'delete', 'configmap', 'watched']);
      for (let i = 0; i < 100 && !/DELETED\s+watched/.test(watch.output()); i++) await sleep(50);
    } finally {
      watch.stop();
    }
    const out = watch.output();
    assert.match(out, /ADDED\s+app\s/);
    assert.match(out, /ADDED\s+watched\s+1\s/);
    assert.match(out, /DELETED\s+watched\s+1\s/);
  });

  it('creates a Deployment (sent as protobuf), whose ReplicaSet makes its pods, pending with no node', async () => {
    assert.match(
      await ok(['-n', 'shop', 'create', 'deployment', 'web', '--image=busybox', '--replicas=2']),
      /deployment.apps\/web created/,
    );
    const pods = async () =>
      (await ok(['-n', 'shop', 'get', 'pods', '-l', 'app=web', '-o', 'name'])).trim().split('\n').filter(Boolean);
    for (let i = 0; i < 100 && (await pods()).length < 2; i++) await sleep(100);
    assert.equal((await pods()).length, 2);
    assert.match(await ok(['-n', 'shop', 'get', 'rs']), /web-\S+\s+2\s+2\s+0\s/);
    await ok(['-n', 'shop', 'scale', 'deployment/web', '--replicas=3']);
    for (let i = 0; i < 100 && (await pods()).length < 3; i++) await sleep(100);
    assert.equal((await pods()).length, 3);
    const why = await ok([
      '-n',
      'shop',
      'get',
      'pods',
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[0].status.conditions[0].message}',
    ]);
    assert.equal(why, 'no nodes available to schedule pods');
  });

  it('deletes with each cascade: orphan leaves the ReplicaSet, foreground returns once it is gone; a collection by label', async () => {
    const setsOf = async (app: string) =>
      (await ok(['-n', 'shop', 'get', 'rs', '-l', `app=${app}`, '-o', 'name'])).trim().split('\n').filter(Boolean);
    for (const app of ['keep', 'fg']) {
      await ok(['-n', 'shop', 'create', 'deployment', app, '--image=busybox', '--replicas=1']);
      for (let i = 0; i < 100 && (await setsOf(app)).length < 1; i++) await sleep(100);
      assert.equal((await setsOf(app)).length, 1);
    }
    assert.match(
      await ok(['-n', 'shop', 'delete', 'deployment', 'keep', '--cascade=orphan']),
      /deployment.apps "keep" deleted/,
    );
    const [orphan] = await setsOf('keep');
    assert.ok(orphan);
    assert.equal(await ok(['-n', 'shop', 'get', orphan, '-o', 'jsonpath={.metadata.ownerReferences}']), '');
    assert.match((await kubectl(['-n', 'shop', 'get', 'deployment', 'keep'])).stderr, /NotFound/);
    await ok(['-n', 'shop', 'delete', orphan]);
    // kubectl waits for the object to go: with foreground, its ReplicaSet and pods have gone first.
    await ok(['-n', 'shop', 'delete', 'deployment', 'fg', '--cascade=foreground']);
    assert.deepEqual(await setsOf('fg'), []);
    assert.equal((await ok(['-n', 'shop', 'get', 'pods', '-l', 'app=fg', '-o', 'name'])).trim(), '');
    // deletecollection, as client libraries call it.
    for (const name of ['d1', 'd2', 'd3']) await ok(['-n', 'shop', 'create', 'configmap', name]);
    await ok(['-n', 'shop', 'label', 'cm', 'd1', 'd2', 'batch=x']);
    await ok(['-n', 'shop', 'label', 'cm', 'd3', 'batch=y']);
    const deleted = JSON.parse(
      await ok(['delete', '--raw', '/k8s/default/api/v1/namespaces/shop/configmaps?labelSelector=batch%3Dx']),
    ) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(deleted.items.map((i) => i.metadata.name).sort(), ['d1', 'd2']);
    assert.equal(await ok(['-n', 'shop', 'get', 'cm', '-l', 'batch', '-o', 'name']), 'configmap/d3\n');
    await ok(['-n', 'shop', 'delete', 'cm', 'd3']);
  });

  it('creates services (sent as protobuf, and by expose) with cluster IPs, node ports, endpoints and slices', async () => {
    assert.match(
      await ok(['-n', 'shop', 'create', 'service', 'clusterip', 'api', '--tcp=80:8080']),
      /service\/api created/,
    );
    await ok(['-n', 'shop', 'create', 'service', 'nodeport', 'edge', '--tcp=443:8443']);
    await ok(['-n', 'shop', 'create', 'service', 'clusterip', 'peers', '--clusterip=None']);
    assert.match(
      await ok(['-n', 'shop', 'expose', 'deployment', 'web', '--port=80', '--target-port=8080']),
      /service\/web exposed/,
    );
    const table = await ok(['-n', 'shop', 'get', 'svc']);
    assert.match(table, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
    assert.match(table, /\napi\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\n/);
    assert.match(table, /\nedge\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+443:3\d{4}\/TCP\s+\d+s\n/);
    assert.match(table, /\npeers\s+ClusterIP\s+None\s+<none>\s+<none>\s+\d+s\n/);
    assert.match(await ok(['-n', 'shop', 'get', 'svc', 'web', '-o', 'wide']), /\s+app=web\n$/);
    const ips = (await ok(['-n', 'shop', 'get', 'svc', '-o', 'jsonpath={.items[*].spec.clusterIP}'])).split(' ');
    assert.equal(new Set(ips).size, 4, `distinct cluster IPs: ${ips.join(' ')}`);
    // The endpoints controller writes each selecting service's Endpoints and slice (no pod runs: none).
    let eps = '';
    for (let i = 0; i < 50 && !/\nweb\s+<none>/.test(eps); i++) {
      eps = (await kubectl(['-n', 'shop', 'get', 'endpoints'])).stdout;
      await sleep(100);
    }
    assert.match(eps, /\nweb\s+<none>\s+\d+s\n/);
    assert.match(
      await ok(['-n', 'shop', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']),
      /\nweb-\w{5}\s+IPv4\s+8080\s+<none>\s+\d+s\n/,
    );
    const taken = await kubectl([
      '-n',
      'shop',
      'create',
      'service',
      'clusterip',
      'dup',
      '--tcp=80',
      `--clusterip=${ips[0] ?? ''}`,
    ]);
    assert.match(taken.stderr, /provided IP is already allocated/);
    const changed = await kubectl(['-n', 'shop', 'patch', 'svc', 'api', '-p', '{"spec":{"clusterIP":"10.96.0.99"}}']);
    assert.match(changed.stderr, /spec\.clusterIPs\[0\]: Invalid value: "10\.96\.0\.99": may not change once set/);
  });

  it('creates a CronJob (sent as protobuf), shows its schedule, and makes a Job from it on demand', async () => {
    assert.match(
      await ok(['-n', 'shop', 'create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *', '--', 'true']),
      /cronjob\.batch\/nightly created/,
    );
    await ok(['-n', 'shop', 'patch', 'cronjob', 'nightly', '-p', '{"spec":{"timeZone":"Europe/Paris"}}']);
    assert.match(
      await ok(['-n', 'shop', 'get', 'cronjobs']),
      /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\nnightly\s+0 3 \* \* \*\s+Europe\/Paris\s+False\s+0\s+<none>\s+\d+s\n$/,
    );
    assert.match(
      await ok(['-n', 'shop', 'create', 'job', 'by-hand', '--from=cronjob/nightly']),
      /job\.batch\/by-hand created/,
    );
    assert.equal(
      await ok([
        '-n',
        'shop',
        'get',
        'job',
        'by-hand',
        '-o',
        'jsonpath={.metadata.ownerReferences[0].kind}/{.spec.template.spec.containers[0].command[0]}',
      ]),
      'CronJob/true',
    );
    const bad = await kubectl(['-n', 'shop', 'create', 'cronjob', 'bad', '--image=busybox', '--schedule=* * *']);
    assert.match(bad.stderr, /spec\.schedule: Invalid value: "\* \* \*": expected exactly 5 fields, found 3/);
    const zone = await kubectl([
      '-n',
      'shop',
      'patch',
      'cronjob',
      'nightly',
      '-p',
      '{"spec":{"timeZone":"Mars/Olympus"}}',
    ]);
    assert.match(zone.stderr, /spec\.timeZone: Invalid value: "Mars\/Olympus": unknown time zone Mars\/Olympus/);
  });

  it('keeps storage classes, claims, budgets and priority classes (sent as protobuf), leases and events.k8s.io events', async () => {
    assert.match(
      await ok(['get', 'storageclass']),
      /local-path \(default\)\s+local-path\.berth\.io\s+Delete\s+WaitForFirstConsumer/,
    );
    assert.match(
      await ok(['create', 'priorityclass', 'batch', '--value=-5', '--preemption-policy=Never', '--description=later']),
      /priorityclass\.scheduling\.k8s\.io\/batch created/,
    );
    assert.match(await ok(['get', 'pc', 'batch']), /batch\s+-5\s+false\s+\d+s\s+Never/);
    const claim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    };
    await ok(['-n', 'shop', 'apply', '-f', '-'], JSON.stringify(claim));
    assert.match(
      await ok(['-n', 'shop', 'get', 'pvc']),
      /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\ndata\s+Pending\s+local-path\s+<unset>\s+\d+s\n$/,
    );
    assert.match(
      await ok(['-n', 'shop', 'create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=50%']),
      /poddisruptionbudget\.policy\/web created/,
    );
    assert.match(await ok(['-n', 'shop', 'get', 'pdb']), /web\s+50%\s+N\/A\s+0\s+\d+s/);
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'operator-lock' },
      spec: { holderIdentity: 'op-1', leaseDurationSeconds: 15 },
    };
    await ok(['-n', 'shop', 'apply', '-f', '-'], JSON.stringify(lease));
    assert.match(await ok(['-n', 'shop', 'get', 'leases']), /operator-lock\s+op-1\s+\d+s/);
    const event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'op-synced' },
      eventTime: '2026-01-01T00:00:00.000000Z',
      reportingController: 'example.com/operator',
      reportingInstance: 'op-1',
      action: 'Reconcile',
      reason: 'Synced',
      note: 'all good',
      type: 'Normal',
      regarding: { kind: 'Lease', name: 'operator-lock', namespace: 'shop' },
    };
    await ok(['-n', 'shop', 'create', '-f', '-'], JSON.stringify(event));
    assert.match(await ok(['-n', 'shop', 'get', 'events']), /Normal\s+Synced\s+lease\/operator-lock\s+all good/);
    assert.equal(
      await ok([
        '-n',
        'shop',
        'get',
        'events.v1.events.k8s.io',
        'op-synced',
        '-o',
        'jsonpath={.note}/{.regarding.name}',
      ]),
      'all good/operator-lock',
    );
  });

  it('serves a CustomResourceDefinition’s kind: discovery, columns, the schema’s checks, status, deletion', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: {
              status: {},
              scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
            },
            additionalPrinterColumns: [
              { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
              { name: 'Ready', type: 'boolean', jsonPath: '.status.ready' },
            ],
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['size'],
                    properties: {
                      size: { type: 'integer', maximum: 10 },
                      replicas: { type: 'integer' },
                      color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
                    },
                  },
                  status: { type: 'object', properties: { ready: { type: 'boolean' } } },
                },
              },
            },
          },
        ],
      },
    };
    assert.match(
      await ok(['apply', '-f', '-'], JSON.stringify(crd)),
      /customresourcedefinition.apiextensions.k8s.io\/widgets.example.com created/,
    );
    await ok(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=10s']);
    const w = (size: unknown) =>
      `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: one\n  namespace: shop\nspec:\n  size: ${size}\n`;
    assert.match(await ok(['apply', '-f', '-'], w(3)), /widget.example.com\/one created/);
    assert.match(await ok(['-n', 'shop', 'get', 'wd']), /^NAME\s+SIZE\s+READY\none\s+3\s*\n$/);
    assert.equal(await ok(['-n', 'shop', 'get', 'widget', 'one', '-o', 'jsonpath={.spec.color}']), 'red');
    const tooBig = await kubectl(['apply', '-f', '-'], w(20));
    assert.match(tooBig.stderr, /spec.size: Invalid value: 20: spec.size in body should be less than or equal to 10/);
    const unknown = await kubectl(['apply', '-f', '-'], `${w(3)}  shape: round\n`);
    assert.match(unknown.stderr, /unknown field "spec.shape"/);
    assert.match(await ok(['apply', '--server-side', '-f', '-'], w(4)), /widget.example.com\/one serverside-applied/);
    await ok([
      '-n',
      'shop',
      'patch',
      'widget',
      'one',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"ready":true}}',
    ]);
    assert.match(await ok(['-n', 'shop', 'get', 'widgets']), /one\s+4\s+true/);
    // The built-in kinds' fields too, from the schemas berth validates with.
    assert.match(
      await ok(['explain', 'deployment.spec.strategy']),
      /FIELDS:[^]*type\s+<string>\n\s+enum: RollingUpdate, Recreate/,
    );
    assert.match(
      await ok(['explain', 'widgets.spec']),
      /KIND:\s+Widget[^]*FIELDS:\n\s+color\s+<string>[^]*size\s+<integer>/,
    );
    // The scale subresource at the CRD's paths.
    assert.match(await ok(['-n', 'shop', 'scale', 'widget', 'one', '--replicas=5']), /widget.example.com\/one scaled/);
    assert.equal(await ok(['-n', 'shop', 'get', 'widget', 'one', '-o', 'jsonpath={.spec.replicas}']), '5');
    assert.match(
      await ok(['api-resources', '--api-group=example.com']),
      /widgets\s+wd\s+example.com\/v1\s+true\s+Widget/,
    );
    await ok(['delete', 'crd', 'widgets.example.com']);
    const gone = await kubectl(['-n', 'shop', 'get', 'widgets']);
    // kubectl may still know the resource from its discovery cache: the server no longer serves it.
    assert.match(gone.stderr, /doesn't have a resource type "widgets"|could not find the requested resource/);
  });

  it('deletes a namespace with everything in it; the system ones stay', async () => {
    assert.match(await ok(['delete', 'namespace', 'shop']), /namespace "shop" deleted/);
    // What is left is the cluster's own: the API server's and kube-dns's Services, and in each
    // namespace left its default service account and root CA.
    const left = await ok([
      'get',
      'cm,secret,sa,deployments,rs,pods,svc,ep,endpointslices,cronjobs,jobs',
      '-A',
      '-o',
      'name',
    ]);
    assert.deepEqual([...new Set(left.trim().split('\n'))].sort(), [
      'configmap/kube-root-ca.crt',
      'endpoints/kubernetes',
      'service/kube-dns',
      'service/kubernetes',
      'serviceaccount/default',
    ]);
    assert.equal(
      await ok(['get', 'cm,sa,svc', '-n', 'shop', '-o', 'name']).catch(() => ''),
      '',
      'nothing of shop is left',
    );
    const system = await kubectl(['delete', 'namespace', 'kube-system']);
    assert.match(system.stderr, /Forbidden.*this namespace may not be deleted/);
  });
});
