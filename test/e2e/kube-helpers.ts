import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { berthBin } from './harness.js';

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
