import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
  options: { cmd?: string[]; files?: Record<string, string> } = {},
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
  await run('umoci', ['repack', '--image', `${layout}:img`, bundle]);
  const cmd = (options.cmd ?? ['/bin/sh']).flatMap((c) => ['--config.cmd', c]);
  await run('umoci', ['config', '--image', `${layout}:img`, ...cmd]);
  return { ref: `oci:${layout}:img`, dir: layout, dispose: () => rmSync(dir, { recursive: true, force: true }) };
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
