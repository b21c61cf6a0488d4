import type { TaskSpec } from '../wire/index.js';
import { updateVolumeFiles } from './runtime/volume-files.js';
import { volumeSource, type VolumeDirs } from './runtime/volumes.js';

type Volumes = TaskSpec['sandbox']['volumes'];

/**
 * A running workload's volumes after the control plane sent its spec again: each `files` volume
 * whose files changed (a ConfigMap's or Secret's update, as the kubelet passes it on) gets them
 * in its directory under the running containers; the rest stays as the workload started.
 */
export function withUpdatedFiles(
  current: Volumes,
  next: Volumes,
  dirs: VolumeDirs,
  failed: (volume: string, err: string) => void,
): Volumes {
  return current.map((v) => {
    const n = next.find((x) => x.name === v.name);
    if (v.source.type !== 'files' || n?.source.type !== 'files') return v;
    if (JSON.stringify(n.source) === JSON.stringify(v.source)) return v;
    try {
      updateVolumeFiles(volumeSource(v, dirs), n.source.files);
      return n;
    } catch (e) {
      failed(v.name, String(e));
      return v;
    }
  });
}
