/**
 * bench/registry: the same image set pushed and pulled by skopeo against berth and against
 * Debian's docker-registry (distribution) on loopback, in one run; then manifest GET requests/s
 * under wrk against both; then push hashing throughput beside Node's raw SHA-256.
 * Prints MB/s, requests/s and the ratios. Run: npm run bench:registry
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startBerth } from '../../test/e2e/harness.js';
import { buildBusyboxImage, type OciImage } from '../../test/e2e/images.js';

const run = promisify(execFile);
const MB = 1024 * 1024;

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startDistribution(dir: string): Promise<{ host: string; stop(): void }> {
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => undefined))?.ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host: `127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function pushAll(images: OciImage[], host: string, creds?: string) {
  await Promise.all(
    images.map((img, i) =>
      run('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        ...(creds ? ['--dest-creds', creds] : []),
        img.ref,
        `docker://${host}/bench/img${i}:v1`,
      ]),
    ),
  );
}

async function pullAll(n: number, host: string, out: string, creds?: string) {
  mkdirSync(out, { recursive: true });
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      run('skopeo', [
        'copy',
        '--src-tls-verify=false',
        ...(creds ? ['--src-creds', creds] : []),
        `docker://${host}/bench/img${i}:v1`,
        `oci:${join(out, `img${i}`)}:v1`,
      ]),
    ),
  );
}

async function wrk(url: string, headers: Record<string, string>): Promise<number> {
  const args = ['-t2', '-c64', '-d8s', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const { stdout } = await run('wrk', args);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} failed responses:\n${stdout}`);
  return Number(m?.[1] ?? 0);
}

const row = (name: string, berth: number, peer: number, unit: string) =>
  console.log(
    `${name.padEnd(28)} berth ${berth.toFixed(1).padStart(9)} ${unit}   distribution ${peer.toFixed(1).padStart(9)} ${unit}   ratio ${(berth / peer).toFixed(2)}`,
  );

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-registry-'));
  console.log('building images (busybox + random layers)…');
  const sizes = [0, 1, 8, 32, 100];
  const images = await Promise.all(
    sizes.map((mb, i) =>
      buildBusyboxImage({
        files: mb
          ? {
              '/data/blob': randomBytes(mb * MB)
                .toString('base64')
                .slice(0, mb * MB),
            }
          : { '/etc/n': String(i) },
      }),
    ),
  );
  const totalMB = sizes.reduce((a, b) => a + b, 0) + images.length; // ~1 MB of busybox each
  const berth = await startBerth({ args: ['--registry-auth', 'off', '--create-repository-on-push'] });
  const distDir = join(work, 'distribution');
  mkdirSync(distDir);
  const dist = await startDistribution(distDir);
  const berthHost = new URL(berth.endpoint).host;
  try {
    const pushBerth = await timed(() => pushAll(images, berthHost));
    const pushDist = await timed(() => pushAll(images, dist.host));
    row('push (skopeo, 5 images)', totalMB / pushBerth, totalMB / pushDist, 'MB/s');
    const pullBerth = await timed(() => pullAll(images.length, berthHost, join(work, 'pull-berth')));
    const pullDist = await timed(() => pullAll(images.length, dist.host, join(work, 'pull-dist')));
    row('pull (skopeo, 5 images)', totalMB / pullBerth, totalMB / pullDist, 'MB/s');
    const accept = {
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    };
    const rpsBerth = await wrk(`${berth.endpoint}/v2/bench/img0/manifests/v1`, accept);
    const rpsDist = await wrk(`http://${dist.host}/v2/bench/img0/manifests/v1`, accept);
    row('manifest GET (wrk, 64 conns)', rpsBerth, rpsDist, 'req/s');
    // The blob goes in with curl, so that the client is not what is measured.
    const blob = randomBytes(256 * MB);
    const blobFile = join(work, 'blob.bin');
    writeFileSync(blobFile, blob);
    const rawHash = await timed(async () => createHash('sha256').update(blob).digest());
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const ingest = await timed(async () => {
      const url = `${berth.endpoint}/v2/bench/img0/blobs/uploads?digest=${digest}`;
      const curl = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '-T', blobFile];
      const { stdout } = await run('curl', [...curl, '-H', 'content-type: application/octet-stream', url]);
      if (stdout !== '201') throw new Error(`upload failed: ${stdout}`);
    });
    console.log(
      `${'push hashing (256 MB blob)'.padEnd(28)} berth ${(256 / ingest).toFixed(1).padStart(9)} MB/s   node sha256 ${(256 / rawHash).toFixed(1).padStart(9)} MB/s   ratio ${(rawHash / ingest).toFixed(2)}`,
    );
    console.log('targets: push/pull ratio ≥ 1.00, manifest GET > 10000 req/s, push hashing near node sha256');
  } finally {
    dist.stop();
    await berth.dispose();
    for (const i of images) i.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
