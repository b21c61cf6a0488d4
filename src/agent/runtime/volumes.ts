import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ContainerSpec, SandboxSpec } from '../../wire/index.js';

export interface Bind {
  destination: string;
  source: string;
  readOnly: boolean;
  /** The files a `files` volume is made of, written when its directory is first made. */
  files?: VolumeFile[];
}

type Volume = SandboxSpec['volumes'][number];
type VolumeFile = Extract<Volume['source'], { type: 'files' }>['files'][number];

export interface VolumeDirs {
  /** The task's own directory: its workload volumes live under it and go with it. */
  taskDir: string;
  /** The agent's shared volumes, kept across tasks. */
  sharedDir: string;
}

/** A name as one path segment of its own (never `.` or `..`). */
const safeName = (name: string) => {
  const s = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return s === '.' || s === '..' ? s.replace(/\./g, '_') : s;
};

/**
 * Where a volume lives on the host: a host volume at its path (created when missing), a workload
 * volume in a directory that goes with the task, a shared one in a directory that outlives it.
 */
export function volumeSource(volume: Volume, dirs: VolumeDirs): string {
  const name = safeName(volume.name);
  switch (volume.source.type) {
    case 'host':
      return volume.source.path;
    case 'shared':
      return join(dirs.sharedDir, volume.source.id ? safeName(volume.source.id) : name);
    default:
      return join(dirs.taskDir, 'volumes', name);
  }
}

/** The binds one container gets: its mounts (those it takes from other containers included), sources resolved. */
export function containerBinds(container: ContainerSpec, volumes: readonly Volume[], dirs: VolumeDirs): Bind[] {
  const byName = new Map(volumes.map((v) => [v.name, v]));
  return container.mounts.map((m) => {
    const v = byName.get(m.volume);
    if (!v) throw new Error(`mount point '${m.containerPath}': unknown volume '${m.volume}'`);
    if (v.source.type === 'files')
      return { destination: m.containerPath, source: volumeSource(v, dirs), readOnly: true, files: v.source.files };
    return { destination: m.containerPath, source: volumeSource(v, dirs), readOnly: m.readOnly };
  });
}

/** A relative path of plain segments (no `..`, `.` or empty ones), else an error: nothing is written outside the volume. */
function segmentsOf(path: string): string[] {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..'))
    throw new Error(`volume file '${path}': not a relative path inside the volume`);
  return parts;
}

/**
 * Makes a `files` volume's directory: every file written under a draft name that is then renamed
 * into place, so a container never sees half of a volume (and two containers making it at once
 * leave one whole copy).
 */
export function writeVolumeFiles(dir: string, files: readonly VolumeFile[]): void {
  const draft = `${dir}.draft-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(draft, { recursive: true, mode: 0o755 });
    for (const f of files) {
      const target = join(draft, ...segmentsOf(f.path));
      mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
      writeFileSync(target, Buffer.from(f.content, 'base64'), { mode: f.mode, flag: 'wx' });
    }
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
