import { join } from 'node:path';

/* eslint-disable @typescript-eslint/no-explicit-any -- task definitions are the registered JSON */
type Json = Record<string, any>;

export interface Bind {
  destination: string;
  source: string;
  readOnly: boolean;
}

export interface VolumeDirs {
  /** The task's own directory: task-scoped volumes live under it and go with it. */
  taskDir: string;
  /** The agent's shared volumes (dockerVolumeConfiguration with scope `shared`), kept across tasks. */
  sharedDir: string;
}

const safeName = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, '_');

/**
 * Where a task volume lives on the host, as the Docker daemon behind ECS decides it: a bind host
 * volume at its `sourcePath` (created when missing), an empty `host` or a task-scoped Docker volume
 * in a directory that goes with the task, a shared Docker volume in one that outlives it.
 */
export function volumeSource(volume: Json, dirs: VolumeDirs): string {
  const name = safeName(String(volume.name));
  if (volume.host?.sourcePath) return String(volume.host.sourcePath);
  if (volume.efsVolumeConfiguration || volume.fsxWindowsFileServerVolumeConfiguration) {
    throw new Error(`volume '${volume.name}': EFS and FSx volumes are not implemented by berth's agent`);
  }
  const docker = volume.dockerVolumeConfiguration as Json | undefined;
  if (docker?.driver && docker.driver !== 'local') {
    throw new Error(`volume '${volume.name}': Docker volume driver '${docker.driver}' is not implemented`);
  }
  if (docker?.scope === 'shared') return join(dirs.sharedDir, name);
  return join(dirs.taskDir, 'volumes', name);
}

/**
 * The binds one container gets: its own `mountPoints`, then those of every `volumesFrom` source
 * (read-only when either side says so), sources resolved through the task's `volumes`.
 */
export function containerBinds(container: Json, containers: Json[], volumes: Json[], dirs: VolumeDirs): Bind[] {
  const byName = new Map(volumes.map((v) => [String(v.name), v]));
  const own = (c: Json, forceRo: boolean): Bind[] =>
    ((c.mountPoints ?? []) as Json[]).map((mp) => {
      const v = byName.get(String(mp.sourceVolume));
      if (!v) throw new Error(`mount point '${mp.containerPath}': unknown volume '${mp.sourceVolume}'`);
      return {
        destination: String(mp.containerPath),
        source: volumeSource(v, dirs),
        readOnly: forceRo || mp.readOnly === true,
      };
    });
  const binds = own(container, false);
  for (const vf of (container.volumesFrom ?? []) as Json[]) {
    const src = containers.find((c) => c.name === vf.sourceContainer);
    if (!src) throw new Error(`volumesFrom: unknown container '${vf.sourceContainer}'`);
    for (const b of own(src, vf.readOnly === true)) {
      if (!binds.some((x) => x.destination === b.destination)) binds.push(b);
    }
  }
  return binds;
}
