import { join } from 'node:path';
import type { VolumeFile } from './volume-files.js';
import type { ContainerSpec, SandboxSpec } from '../../wire/index.js';

export interface Bind {
  destination: string;
  source: string;
  readOnly: boolean;
  /** The files a `files` volume is made of, written when its directory is first made. */
  files?: VolumeFile[];
  /** The directory's permissions when it is made (the umask does not narrow them). */
  mode?: number;
}

type Volume = SandboxSpec['volumes'][number];

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
    const mode = v.source.type === 'workload' || v.source.type === 'shared' ? v.source.mode : undefined;
    return {
      destination: m.containerPath,
      source: volumeSource(v, dirs),
      readOnly: m.readOnly,
      ...(mode !== undefined ? { mode } : {}),
    };
  });
}
