import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerSpec, TaskSpec } from '../wire/index.js';
import type { PulledImage } from './images/image-store.js';
import type { TaskNetwork } from './runtime/network.js';
import { buildSpec } from './runtime/oci-spec.js';
import { mountRootfs } from './runtime/rootfs.js';
import type { ImageUsers } from './runtime/users.js';
import { containerBinds } from './runtime/volumes.js';
import { writeVolumeFiles } from './runtime/volume-files.js';
import { etcBinds } from './task-setup.js';

export interface BundleInput {
  container: ContainerSpec;
  task: { spec: TaskSpec; network?: TaskNetwork };
  image: PulledImage;
  /** The task's directory (its /etc files), and where its writes go (its volumes). */
  taskDir: string;
  writableRoot: string;
  /** The container's directory (the bundle goes in it) and its writable layer. */
  dir: string;
  upper: string;
  work: string;
  cgroupsPath: string;
  /** Whether the runtime can mount the overlay root itself (see Runtime.mountsRootOverlay). */
  runtimeMountsRoot: boolean;
  users: ImageUsers;
  volumesDir: string;
}

/**
 * Writes one container's OCI bundle: its volumes' host directories, its root, and config.json.
 * The runtime mounts the root inside the container where it can, unless the image's passwd must
 * be read first: then the root is mounted here, and the answer kept for the image's next tasks.
 * Resolves with the bundle's path. Its directories and config.json are made synchronously (see
 * writeEtcFiles).
 */
export async function writeBundle(b: BundleInput): Promise<string> {
  const c = b.container;
  const bundle = join(b.dir, 'bundle');
  const rootfs = join(bundle, 'rootfs');
  const binds = containerBinds(c, b.task.spec.sandbox.volumes, {
    taskDir: b.writableRoot,
    sharedDir: b.volumesDir,
  });
  for (const x of binds)
    if (!existsSync(x.source)) {
      if (x.files) writeVolumeFiles(x.source, x.files);
      else {
        mkdirSync(x.source, { recursive: true });
        if (x.mode !== undefined) chmodSync(x.source, x.mode);
      }
    }
  const user = c.user || b.image.config.User;
  const overlay = { layers: b.image.layers, upper: b.upper, work: b.work };
  const known = b.runtimeMountsRoot ? b.users.lookup(b.image.digest, user) : undefined;
  for (const p of [overlay.upper, overlay.work, rootfs]) mkdirSync(p, { recursive: true });
  if (!known) await mountRootfs(overlay, rootfs);
  const spec = buildSpec({
    container: c,
    image: b.image.config,
    user: known ?? b.users.resolve(rootfs, b.image.digest, user),
    ...(known ? { rootOverlay: overlay } : {}),
    hostname: c.hostname ?? b.task.spec.sandbox.hostname,
    ...(b.task.network?.netnsPath ? { netnsPath: b.task.network.netnsPath } : {}),
    network: b.task.spec.sandbox.network.mode,
    cgroupsPath: b.cgroupsPath,
    etcFiles: etcBinds(b.taskDir, c),
    binds,
    platformEnv: b.task.spec.sandbox.platformEnv,
    ...(b.task.network?.ip ? { address: b.task.network.ip } : {}),
  });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  return bundle;
}
