import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SLEEP, ms } from './common.js';

const run = promisify(execFile);

function detached(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

/**
 * The floor: what a node must do at least to start a container from an unpacked image — an
 * overlay mount over the image with a fresh upper directory, then `runc run -d` (which makes the
 * namespaces and the cgroup). Returns one timed start (the container is removed after the clock).
 */
export async function rawRunc(imageRef: string, work: string): Promise<(i: number) => Promise<number>> {
  const image = join(work, 'image');
  await run('umoci', ['unpack', '--image', imageRef.replace(/^oci:/, ''), image]);
  await run('runc', ['spec'], { cwd: work }); // the default spec, as `runc spec` writes it
  const config = JSON.parse(readFileSync(join(work, 'config.json'), 'utf8'));
  config.process.args = SLEEP;
  config.process.terminal = false;
  config.process.rlimits = [];
  const root = join(work, 'runc-root');
  mkdirSync(root);
  return async (i) => {
    const id = `bench-${i}`;
    const c = join(work, id);
    const bundle = join(c, 'bundle');
    const rootfs = join(bundle, 'rootfs');
    for (const d of [join(c, 'upper'), join(c, 'work'), rootfs]) mkdirSync(d, { recursive: true });
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ...config, root: { path: rootfs, readonly: false } }));
    const t = await ms(async () => {
      const o = `lowerdir=${join(image, 'rootfs')},upperdir=${join(c, 'upper')},workdir=${join(c, 'work')}`;
      await run('mount', ['-t', 'overlay', 'overlay', '-o', o, rootfs]);
      // The container inherits runc's stdio; give it none, or the pipes stay open as long as it runs.
      await detached('runc', ['--root', root, 'run', '-d', '--bundle', bundle, id]);
    });
    await run('runc', ['--root', root, 'kill', id, 'KILL']);
    await new Promise((r) => setTimeout(r, 20));
    await run('runc', ['--root', root, 'delete', '--force', id]);
    await run('umount', [rootfs]);
    return t;
  };
}
