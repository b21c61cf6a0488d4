// e2e lane: shared
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { awsCli, startBerth, strictDataDir, type BerthProcess } from './harness.js';

// The Kubernetes API with --auth strict, through kubectl: the kubeconfig berth writes (HTTPS, the
// cluster CA, a system:masters client certificate), service account tokens, EKS tokens from the
// AWS CLI, RBAC deciding.
describe('Kubernetes with --auth strict: client certificates, tokens and RBAC', () => {
  let berth: BerthProcess;
  let dataDir: string;
  let ca = '';
  let port = '';
  before(async () => {
    dataDir = strictDataDir('berth-kube-strict-');
    berth = await startBerth({ dataDir, args: ['--auth', 'strict', '--no-agent'] });
    port = new URL(berth.endpoint).port;
    const config = parse(readFileSync(join(dataDir, 'kubeconfig'), 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    };
    const cluster = config.clusters[0]?.cluster;
    assert.equal(cluster?.server, `https://localhost:${port}/k8s/default`);
    ca = join(dataDir, 'ca.crt');
    writeFileSync(ca, Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64'));
  });
  after(async () => {
    await berth?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const kubectl = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: join(dataDir, 'kubeconfig') } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end();
      child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  const ok = async (args: string[]) => {
    const r = await kubectl(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it('lets the kubeconfig’s client certificate do everything, as system:masters', async () => {
    assert.match(
      await ok(['auth', 'whoami']),
      /Username\s+kubernetes-admin\nGroups\s+\[system:masters system:authenticated\]/,
    );
    assert.match(await ok(['get', 'namespaces']), /kube-system\s+Active/);
    assert.match(
      await ok(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide']),
      /ClusterRole\/cluster-admin.*system:masters/,
    );
  });

  it('answers a caller without credentials 401', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/api/v1/namespaces', ca: readFileSync(ca), servername: 'localhost' },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(r.status, 401);
    assert.equal((JSON.parse(r.body) as { reason: string }).reason, 'Unauthorized');
  });

  it('gives a service account what its role bindings give it, and refuses the rest with RBAC’s words', async () => {
    await ok(['create', 'serviceaccount', 'reader']);
    await ok(['create', 'rolebinding', 'reader-view', '--clusterrole=view', '--serviceaccount=default:reader']);
    await ok(['create', 'role', 'app-config', '--verb=get,update', '--resource=configmaps', '--resource-name=app']);
    await ok(['create', 'rolebinding', 'reader-app', '--role=app-config', '--serviceaccount=default:reader']);
    await ok(['create', 'configmap', 'app', '--from-literal=a=1']);
    assert.match(
      await ok(['get', 'rolebinding', 'reader-view', '-o', 'wide']),
      /ClusterRole\/view\s+\S+\s+default\/reader/,
    );
    const token = (await ok(['create', 'token', 'reader'])).trim();
    const as = [
      '--kubeconfig=/dev/null',
      `--server=https://127.0.0.1:${port}`,
      `--certificate-authority=${ca}`,
      `--token=${token}`,
    ];
    assert.match(await ok([...as, 'get', 'configmaps']), /app\s+1/);
    assert.match(await ok([...as, 'get', 'configmap', 'app', '-o', 'jsonpath={.data.a}']), /^1$/);
    const secrets = await kubectl([...as, 'get', 'secrets']);
    assert.notEqual(secrets.code, 0);
    assert.match(
      secrets.stderr,
      /secrets is forbidden: User "system:serviceaccount:default:reader" cannot list resource "secrets" in API group "" in the namespace "default"/,
    );
    const create = await kubectl([...as, 'create', 'configmap', 'other']);
    assert.match(
      create.stderr,
      /configmaps is forbidden: User "system:serviceaccount:default:reader" cannot create resource "configmaps"/,
    );
    assert.equal((await ok([...as, 'auth', 'can-i', 'list', 'pods'])).trim(), 'yes');
    assert.equal((await kubectl([...as, 'auth', 'can-i', 'delete', 'pods'])).stdout.trim(), 'no');
    assert.equal((await ok([...as, 'auth', 'can-i', 'update', 'configmap/app'])).trim(), 'yes');
    assert.equal((await kubectl([...as, 'auth', 'can-i', 'update', 'configmap/other'])).stdout.trim(), 'no');
    assert.match(await ok([...as, 'auth', 'can-i', '--list']), /configmaps\s+\[\]\s+\[app\]\s+\[get update\]/);
    assert.match(await ok([...as, 'auth', 'whoami']), /system:serviceaccount:default:reader/);
    // As the reader, by impersonation (kubectl --as): the admin may, the reader may not.
    const asReader = '--as=system:serviceaccount:default:reader';
    assert.equal((await kubectl(['auth', 'can-i', 'list', 'secrets', asReader])).stdout.trim(), 'no');
    assert.equal((await ok(['auth', 'can-i', 'list', 'pods', asReader])).trim(), 'yes');
    assert.match(await ok(['auth', 'whoami', asReader]), /system:serviceaccount:default:reader/);
    const impersonate = await kubectl([...as, 'get', 'pods', '--as=kubernetes-admin']);
    assert.match(
      impersonate.stderr,
      /users "kubernetes-admin" is forbidden: User "system:serviceaccount:default:reader" cannot impersonate resource "users" in API group "" at the cluster scope/,
    );
    // The binding gone, so is what it gave.
    await ok(['delete', 'rolebinding', 'reader-view']);
    assert.equal((await kubectl([...as, 'auth', 'can-i', 'list', 'pods'])).stdout.trim(), 'no');
  });

  it('lets a namespace admin grant only what it holds, and extends view by an aggregated role', async () => {
    await ok(['create', 'namespace', 'team']);
    await ok(['create', 'serviceaccount', 'lead', '-n', 'team']);
    await ok([
      'create',
      'rolebinding',
      'lead-admin',
      '--clusterrole=admin',
      '--serviceaccount=team:lead',
      '-n',
      'team',
    ]);
    const token = (await ok(['create', 'token', 'lead', '-n', 'team'])).trim();
    const as = [
      '--kubeconfig=/dev/null',
      `--server=https://127.0.0.1:${port}`,
      `--certificate-authority=${ca}`,
      `--token=${token}`,
      '-n',
      'team',
    ];
    // admin holds edit and view (aggregated): it may hand them out in its namespace.
    await ok([...as, 'create', 'rolebinding', 'dev-edit', '--clusterrole=edit', '--user=dev']);
    await ok([...as, 'create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods']);
    // Not what it does not hold: cluster-admin, or a role over nodes.
    const bind = await kubectl([
      ...as,
      'create',
      'rolebinding',
      'dev-root',
      '--clusterrole=cluster-admin',
      '--user=dev',
    ]);
    assert.notEqual(bind.code, 0);
    assert.match(
      bind.stderr,
      /rolebindings\.rbac\.authorization\.k8s\.io "dev-root" is forbidden: user "system:serviceaccount:team:lead" \(groups=\["system:serviceaccounts" "system:serviceaccounts:team" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/,
    );
    const role = await kubectl([...as, 'create', 'role', 'secret-nodes', '--verb=get', '--resource=nodes']);
    assert.match(
      role.stderr,
      /roles\.rbac\.authorization\.k8s\.io "secret-nodes" is forbidden: user "system:serviceaccount:team:lead" .* not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["get"\]\}/,
    );
    // A ClusterRole labelled aggregate-to-view (as operators ship for their kinds) joins view, edit and admin.
    const dev = ['--as=dev', '-n', 'team'];
    assert.equal((await kubectl(['auth', 'can-i', 'list', 'widgets.example.com', ...dev])).stdout.trim(), 'no');
    const file = join(dataDir, 'example-view.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata:',
        '  name: example-view',
        '  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}',
        'rules:',
        '- {apiGroups: [example.com], resources: [widgets], verbs: [get, list]}',
        '---',
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        'metadata: {name: widgets.example.com}',
        'spec:',
        '  group: example.com',
        '  names: {kind: Widget, plural: widgets}',
        '  scope: Namespaced',
        '  versions:',
        '  - name: v1',
        '    served: true',
        '    storage: true',
        '    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}',
      ].join('\n'),
    );
    await ok(['apply', '-f', file]);
    let answer = '';
    for (let i = 0; i < 50 && answer !== 'yes'; i++) {
      answer = (await kubectl(['auth', 'can-i', 'list', 'widgets.example.com', ...dev])).stdout.trim();
      if (answer !== 'yes') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(answer, 'yes', 'edit holds what view aggregates');
    assert.match(await ok(['get', 'clusterrole', 'admin', '-o', 'yaml']), /- example\.com[\s\S]*- widgets/);
  });

  it('takes EKS tokens from aws eks get-token: the account’s keys as system:masters, an IAM user as aws-auth maps it', async () => {
    const token = async (env: Record<string, string> = {}) => {
      const r = await awsCli(berth.endpoint, ['eks', 'get-token', '--cluster-name', 'default'], env);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { status: { token: string } }).status.token;
    };
    const as = (t: string) => [
      '--kubeconfig=/dev/null',
      `--server=https://127.0.0.1:${port}`,
      `--certificate-authority=${ca}`,
      `--token=${t}`,
    ];
    const root = await token();
    assert.match(root, /^k8s-aws-v1\./);
    assert.match(
      await ok([...as(root), 'auth', 'whoami']),
      /Username\s+arn:aws:iam::000000000000:root\nGroups\s+\[system:masters system:authenticated\]/,
    );
    assert.match(await ok([...as(root), 'get', 'namespaces']), /kube-system/);
    // Signed for another cluster's name: refused.
    const other = await awsCli(berth.endpoint, ['eks', 'get-token', '--cluster-name', 'elsewhere']);
    const wrong = await kubectl([
      ...as((JSON.parse(other.stdout) as { status: { token: string } }).status.token),
      'get',
      'ns',
    ]);
    assert.match(wrong.stderr, /You must be logged in to the server/);

    const user = await awsCli(berth.endpoint, ['iam', 'create-user', '--user-name', 'dev']);
    assert.equal(user.code, 0, user.stderr);
    const arn = (JSON.parse(user.stdout) as { User: { Arn: string } }).User.Arn;
    const key = JSON.parse(
      (await awsCli(berth.endpoint, ['iam', 'create-access-key', '--user-name', 'dev'])).stdout,
    ) as {
      AccessKey: { AccessKeyId: string; SecretAccessKey: string };
    };
    const dev = await token({
      AWS_ACCESS_KEY_ID: key.AccessKey.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: key.AccessKey.SecretAccessKey,
    });
    assert.match(
      await ok([...as(dev), 'auth', 'whoami']),
      new RegExp(`Username\\s+${arn}\\nGroups\\s+\\[system:authenticated\\]`),
    );
    const before = await kubectl([...as(dev), 'get', 'pods']);
    assert.match(before.stderr, new RegExp(`pods is forbidden: User "${arn}" cannot list resource "pods"`));
    await ok([
      'create',
      'configmap',
      'aws-auth',
      '-n',
      'kube-system',
      `--from-literal=mapUsers=- userarn: ${arn}\n  username: dev\n  groups: [viewers]\n`,
    ]);
    await ok(['create', 'clusterrolebinding', 'viewers', '--clusterrole=view', '--group=viewers']);
    assert.match(await ok([...as(dev), 'auth', 'whoami']), /Username\s+dev\nGroups\s+\[viewers system:authenticated\]/);
    assert.equal((await ok([...as(dev), 'get', 'pods', '-A', '-o', 'name'])).trim(), '');
  });
});
