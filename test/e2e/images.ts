import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

export interface OciImage {
  /** `oci:<dir>:<tag>`, as skopeo names it. */
  ref: string;
  dir: string;
  dispose(): void;
}

/**
 * Builds a one-layer busybox image as an OCI layout with umoci, from Debian's busybox-static
 * (no public registry is reachable here). `files` adds files to the rootfs, which makes images
 * with different digests.
 */
export async function buildBusyboxImage(
  options: {
    cmd?: string[];
    files?: Record<string, string>;
    /** Files of this host copied in: path in the rootfs → path here. */
    copies?: Record<string, string>;
    randomFile?: { path: string; size: number };
  } = {},
): Promise<OciImage> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-image-'));
  const layout = join(dir, 'oci');
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:img`]);
  const bundle = join(dir, 'bundle');
  await run('umoci', ['unpack', '--image', `${layout}:img`, bundle]);
  const rootfs = join(bundle, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  symlinkSync('busybox', join(rootfs, 'bin', 'sh'));
  for (const [path, content] of Object.entries(options.files ?? {})) {
    mkdirSync(join(rootfs, path, '..'), { recursive: true });
    writeFileSync(join(rootfs, path), content);
  }
  for (const [path, from] of Object.entries(options.copies ?? {})) {
    mkdirSync(join(rootfs, path, '..'), { recursive: true });
    copyFileSync(from, join(rootfs, path));
  }
  if (options.randomFile) {
    // Incompressible bytes, so the image is as large on the wire as on disk.
    writeFileSync(join(rootfs, options.randomFile.path), randomBytes(options.randomFile.size));
  }
  await run('umoci', ['repack', '--image', `${layout}:img`, bundle]);
  const cmd = (options.cmd ?? ['/bin/sh']).flatMap((c) => ['--config.cmd', c]);
  await run('umoci', ['config', '--image', `${layout}:img`, ...cmd]);
  return { ref: `oci:${layout}:img`, dir: layout, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies an image (a skopeo reference) to a plain-HTTP registry as `docker://<to>`, with Basic credentials. */
export function pushWith(creds: string, from: string, to: string) {
  return skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, from, `docker://${to}`]);
}

export async function skopeo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('skopeo', args, { timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/**
 * Writes an OCI image layout by hand around the given layers (uncompressed tars, gzipped here), so
 * a test can push exactly the bytes it wants, hostile ones included.
 */
export function buildLayoutImage(
  layers: Buffer[],
  cmd: string[] = ['/bin/sh'],
  /** The config section in full, where a test needs exactly what another builder writes. */
  configSection?: Record<string, unknown>,
): OciImage {
  const dir = mkdtempSync(join(tmpdir(), 'berth-layout-'));
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer) => {
    const hex = createHash('sha256').update(b).digest('hex');
    writeFileSync(join(blobs, hex), b);
    return { digest: `sha256:${hex}`, size: b.length };
  };
  const gz = layers.map((l) => ({ ...put(gzipSync(l)), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }));
  const config = put(
    Buffer.from(
      JSON.stringify({
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
        os: 'linux',
        config: configSection ?? { Cmd: cmd },
        rootfs: {
          type: 'layers',
          diff_ids: layers.map((l) => `sha256:${createHash('sha256').update(l).digest('hex')}`),
        },
      }),
    ),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: gz,
      }),
    ),
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          ...manifest,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          annotations: { 'org.opencontainers.image.ref.name': 'img' },
        },
      ],
    }),
  );
  return { ref: `oci:${dir}:img`, dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
