import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { TarGuard, type GuardReport } from './tar-guard.js';

function decompressor(mediaType: string): { stream: Transform | PassThrough; done: Promise<void> } {
  if (mediaType.endsWith('gzip')) return { stream: createGunzip(), done: Promise.resolve() };
  if (mediaType.endsWith('zstd')) {
    const z = spawn('zstd', ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const t = new Transform({
      transform(chunk, _e, cb) {
        if (!z.stdin.write(chunk)) z.stdin.once('drain', cb);
        else cb();
      },
      flush(cb) {
        z.stdin.end();
        z.stdout.on('end', () => cb());
      },
    });
    z.stdout.on('data', (d: Buffer) => t.push(d));
    const done = new Promise<void>((resolve, reject) =>
      z.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`zstd exited with ${code}`)))),
    );
    return { stream: t, done };
  }
  return { stream: new PassThrough(), done: Promise.resolve() };
}

/** Python's stdlib does what Node cannot: make overlayfs whiteouts (0/0 char devices) and opaque xattrs. */
async function applyWhiteouts(dir: string, report: GuardReport): Promise<void> {
  if (report.whiteouts.length === 0 && report.opaqueDirs.length === 0) return;
  const script = [
    'import json, os, stat, sys',
    'd = json.load(sys.stdin)',
    'for p in d["whiteouts"]:',
    '    full = os.path.join(d["root"], p)',
    '    os.makedirs(os.path.dirname(full), exist_ok=True)',
    '    os.mknod(full, stat.S_IFCHR | 0o600, os.makedev(0, 0))',
    'for p in d["opaque"]:',
    '    full = os.path.join(d["root"], p)',
    '    os.makedirs(full, exist_ok=True)',
    '    os.setxattr(full, "trusted.overlay.opaque", b"y")',
  ].join('\n');
  await new Promise<void>((resolve, reject) => {
    const py = spawn('python3', ['-c', script], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    py.stderr.on('data', (d: Buffer) => (err += d.toString()));
    py.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`whiteouts: ${err}`))));
    py.stdin.end(JSON.stringify({ root: dir, whiteouts: report.whiteouts, opaque: report.opaqueDirs }));
  });
}

/**
 * A sink into the extractor's stdin that outlives it: GNU tar exits once it has read the
 * end-of-archive blocks and may leave the archive's trailing padding unread. What arrives after
 * it stopped is discarded here rather than failing the pipeline, so every byte still reaches the
 * digest; tar's exit status says whether the extraction itself went well.
 */
function extractorSink(stdin: NodeJS.WritableStream & { destroyed?: boolean }): Writable {
  let closed = false;
  let waiting: (() => void) | undefined;
  const release = () => {
    closed = true;
    const w = waiting;
    waiting = undefined;
    w?.();
  };
  stdin.on('error', release);
  stdin.on('close', release);
  return new Writable({
    write(chunk: Buffer, _e, cb) {
      if (closed) return cb();
      if (stdin.write(chunk)) return cb();
      waiting = cb;
      stdin.once('drain', () => {
        const w = waiting;
        waiting = undefined;
        w?.();
      });
    },
    final(cb) {
      if (closed) return cb();
      stdin.end(() => cb());
    },
  });
}

/**
 * Unpacks one layer into `target` (which must not exist yet): decompress in Node, hash the tar
 * stream to check its diffID, refuse hostile entries, and let GNU tar (the fastest extractor
 * here) write the files. The snapshot appears under `target` only when complete.
 */
export async function unpackLayer(
  source: Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  mediaType: string,
  target: string,
  diffId: string,
): Promise<GuardReport> {
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    const tar = spawn('tar', ['-x', '-f', '-', '-C', tmp, '--numeric-owner', '-p', '--no-overwrite-dir'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let tarErr = '';
    tar.stderr.on('data', (d: Buffer) => (tarErr += d.toString()));
    const tarDone = new Promise<void>((resolve, reject) =>
      tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar failed: ${tarErr.trim()}`)))),
    );
    const hash = createHash(diffId.startsWith('sha512:') ? 'sha512' : 'sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    const guard = new TarGuard();
    const dec = decompressor(mediaType);
    try {
      await pipeline(source, dec.stream, tap, guard, extractorSink(tar.stdin));
      await dec.done;
      await tarDone;
    } catch (e) {
      tar.kill('SIGKILL');
      await tarDone.catch(() => undefined); // the extractor's own failure says less than ours
      throw e;
    }
    const got = `${diffId.split(':')[0]}:${hash.digest('hex')}`;
    if (got !== diffId) throw new Error(`layer content is ${got}, but the image config says ${diffId}`);
    await applyWhiteouts(tmp, guard.report);
    await rename(tmp, target);
    return guard.report;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
