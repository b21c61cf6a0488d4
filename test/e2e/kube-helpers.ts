import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { berthBin, sleep } from './harness.js';

const execFileP = promisify(execFile);

/** kubectl against a berth, through the kubeconfig `berth kubeconfig` prints (written in its data directory). */
export async function kubectlFor(endpoint: string, dataDir: string) {
  const kubeconfig = join(dataDir, 'kubeconfig-cli');
  const printed = await execFileP(process.execPath, [berthBin, 'kubeconfig', '--endpoint', endpoint]);
  writeFileSync(kubeconfig, printed.stdout);
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const kubectl = (args: string[], input?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('kubectl', args, { env, stdio: 'pipe' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  const ok = async (args: string[], input?: string) => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** A long-running kubectl (get -w, logs -f), its output so far, and its stop. */
  const follow = (args: string[]) => {
    const child = spawn('kubectl', args, { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    return { output: () => out, stop: () => child.kill() };
  };
  return { kubectl, ok, follow, kubeconfig };
}

type Kubectl = Awaited<ReturnType<typeof kubectlFor>>;

/**
 * The kube e2e files' tools: jsonpath reads, waiting until a read says what is wanted, and a
 * one-off pod run to its end. `k` and `image` are read when used (the fixture starts in `before`).
 */
export function kubeTools(k: () => Kubectl, image: () => string) {
  const jsonpath = (args: string[], path: string) => k().ok([...args, '-o', `jsonpath=${path}`]);
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
        containers: [{ name: 'main', image: image(), command: ['sh', '-c', script] }],
      },
    };
    await k().ok(['apply', '-f', '-'], JSON.stringify(pod));
    await until(
      `${name} ended`,
      () => jsonpath(['get', 'pod', name], '{.status.phase}'),
      (v) => v === 'Succeeded' || v === 'Failed',
    );
    return k().ok(['logs', name]);
  };
  return { jsonpath, until, runOnce };
}

/** A Deployment of `replicas` pods labelled `app: <name>` with this pod spec, as a manifest. */
export function deploymentManifest(name: string, replicas: number, spec: Record<string, unknown>) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec },
    },
  };
}
