import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { SandboxSpec } from '../../wire/index.js';

export type VolumeFile = Extract<SandboxSpec['volumes'][number]['source'], { type: 'files' }>['files'][number];

/*
 * A `files` volume (a ConfigMap's, a Secret's, the downward API's) laid out as the kubelet lays
 * it out, so that it can change under a running container in one step: the files in a directory
 * of their own, `..<time>_<random>`, a link `..data` to it, and each top-level name a link through
 * `..data`. An update writes a new directory and swaps the `..data` link (a rename), so a reader
 * sees the old files or the new ones, never a mix.
 */

const DATA = '..data';

/** A relative path of plain segments (no `..`, `.` or empty ones, none starting with `..`), else an error. */
function segmentsOf(path: string): string[] {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..') || parts[0]?.startsWith('..'))
    throw new Error(`volume file '${path}': not a relative path inside the volume`);
  return parts;
}

/** Writes the files into a new `..<time>_<random>` directory of `dir`; answers its name. */
function writeVersion(dir: string, files: readonly VolumeFile[]): string {
  const name = `..${new Date().toISOString().replace(/[-:.]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const at = join(dir, name);
  for (const f of files) segmentsOf(f.path);
  mkdirSync(at, { mode: 0o755 });
  try {
    for (const f of files) {
      const target = join(at, ...segmentsOf(f.path));
      mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
      writeFileSync(target, Buffer.from(f.content, 'base64'), { mode: f.mode, flag: 'wx' });
    }
  } catch (e) {
    // Nothing half-written stays (a disk that filled up, two files of one path).
    rmSync(at, { recursive: true, force: true });
    throw e;
  }
  return name;
}

const topNames = (files: readonly VolumeFile[]) => new Set(files.map((f) => segmentsOf(f.path)[0] as string));

/**
 * Makes a `files` volume's directory: made whole under a draft name that is then renamed into
 * place, so a container never sees half of a volume (and two containers making it at once leave
 * one whole copy).
 */
export function writeVolumeFiles(dir: string, files: readonly VolumeFile[]): void {
  const draft = `${dir}.draft-${randomBytes(4).toString('hex')}`;
  try {
    for (const f of files) segmentsOf(f.path);
    mkdirSync(draft, { recursive: true, mode: 0o755 });
    symlinkSync(writeVersion(draft, files), join(draft, DATA));
    for (const top of topNames(files)) symlinkSync(join(DATA, top), join(draft, top));
    mkdirSync(dirname(dir), { recursive: true });
    try {
      renameSync(draft, dir);
    } catch (e) {
      // Another container made it first: its copy stands.
      if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  } finally {
    rmSync(draft, { recursive: true, force: true });
  }
}

/**
 * Puts new files in a volume made by writeVolumeFiles, under containers that have it mounted: the
 * new version written beside the old, `..data` swapped to it in one rename, the top-level links
 * made or removed to match, then the old version removed. A directory of another layout is left
 * as it is (false).
 */
export function updateVolumeFiles(dir: string, files: readonly VolumeFile[]): boolean {
  const data = join(dir, DATA);
  if (!existsSync(dir) || !lstatSync(data, { throwIfNoEntry: false })?.isSymbolicLink()) return false;
  const old = readlinkSync(data);
  const version = writeVersion(dir, files);
  const tmp = join(dir, `${DATA}_tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(version, tmp);
  renameSync(tmp, data);
  const wanted = topNames(files);
  for (const top of wanted)
    if (!lstatSync(join(dir, top), { throwIfNoEntry: false })) symlinkSync(join(DATA, top), join(dir, top));
  for (const entry of readdirSync(dir)) if (!entry.startsWith('..') && !wanted.has(entry)) unlinkSync(join(dir, entry));
  if (old.startsWith('..') && !old.includes('/')) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}
