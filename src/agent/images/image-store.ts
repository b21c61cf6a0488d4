import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { parseImageRef } from './image-ref.js';
import type { RegistryClient } from './registry-client.js';
import { unpackLayer } from './unpack-layer.js';

/** What a container needs from its image's config. */
export interface ImageConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
}

export interface PulledImage {
  digest: string;
  config: ImageConfig;
  /** Snapshot directories, lowest layer first. */
  layers: string[];
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Images on this host: manifests resolved and verified, layers unpacked once per diffID into
 * `<root>/snapshots/<diffID>` and shared by every task; concurrent pulls of a layer share one
 * download.
 *
 *   <root>/snapshots/sha256-<hex>/   one unpacked layer
 *   <root>/images/<sha256 of ref>.json   the last resolution of a reference (for cached pulls)
 */
export class ImageStore {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly root: string,
    private readonly client: RegistryClient,
  ) {}

  snapshotDir(diffId: string): string {
    return join(this.root, 'snapshots', diffId.replace(':', '-'));
  }

  private cachePath(image: string): string {
    return join(this.root, 'images', `${createHash('sha256').update(image).digest('hex')}.json`);
  }

  /** Pull behaviour as ECS_IMAGE_PULL_BEHAVIOR: default/always resolve, once/prefer-cached reuse. */
  async pull(
    image: string,
    behavior: 'default' | 'always' | 'once' | 'prefer-cached' = 'default',
  ): Promise<PulledImage> {
    if (behavior === 'once' || behavior === 'prefer-cached') {
      const cached = await readFile(this.cachePath(image), 'utf8').then(
        (t) => JSON.parse(t) as PulledImage,
        () => undefined,
      );
      if (cached && cached.layers.every((l) => existsSync(l))) return cached;
    }
    const ref = parseImageRef(image);
    let { mediaType, bytes } = await this.client.manifest(ref.registry, ref.repository, ref.reference);
    if (ref.reference.includes(':') && sha256(bytes) !== ref.reference)
      throw new Error(`manifest of ${image} does not match its digest`);
    let manifest = JSON.parse(bytes.toString()) as {
      manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
      config?: { digest: string };
      layers?: { digest: string; mediaType: string }[];
    };
    let digest = sha256(bytes);
    if (manifest.manifests) {
      const arch = process.arch === 'x64' ? 'amd64' : process.arch;
      const pick = manifest.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
      if (!pick) throw new Error(`${image} has no linux/${arch} image`);
      ({ mediaType, bytes } = await this.client.manifest(ref.registry, ref.repository, pick.digest));
      if (sha256(bytes) !== pick.digest) throw new Error(`manifest ${pick.digest} does not match its digest`);
      manifest = JSON.parse(bytes.toString()) as typeof manifest;
      digest = pick.digest;
    }
    void mediaType;
    if (!manifest.config || !manifest.layers) throw new Error(`${image} is not an image manifest`);
    const configBytes = await this.readBlob(ref.registry, ref.repository, manifest.config.digest);
    const config = JSON.parse(configBytes.toString()) as { config?: ImageConfig; rootfs?: { diff_ids?: string[] } };
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length)
      throw new Error(`${image}: the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}`);
    const layers = await Promise.all(
      manifest.layers.map((l, i) => this.layer(ref.registry, ref.repository, l, diffIds[i] as string)),
    );
    const pulled: PulledImage = { digest, config: config.config ?? {}, layers };
    await mkdir(join(this.root, 'images'), { recursive: true });
    await writeFile(this.cachePath(image), JSON.stringify(pulled));
    return pulled;
  }

  private async readBlob(host: string, repo: string, digest: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of await this.client.blob(host, repo, digest)) parts.push(c as Buffer);
    const b = Buffer.concat(parts);
    if (sha256(b) !== digest) throw new Error(`blob ${digest} does not match its digest`);
    return b;
  }

  private layer(host: string, repo: string, l: { digest: string; mediaType: string }, diffId: string): Promise<string> {
    const dir = this.snapshotDir(diffId);
    if (existsSync(dir)) return Promise.resolve(dir);
    let p = this.inflight.get(diffId);
    if (!p) {
      p = (async () => {
        await mkdir(join(this.root, 'snapshots'), { recursive: true });
        const hash = createHash('sha256');
        const verify = new Transform({
          transform(chunk: Buffer, _e, cb) {
            hash.update(chunk);
            cb(null, chunk);
          },
          flush(cb) {
            const got = `sha256:${hash.digest('hex')}`;
            cb(got === l.digest ? null : new Error(`layer ${l.digest} arrived as ${got}`));
          },
        });
        const stream = (await this.client.blob(host, repo, l.digest)).pipe(verify);
        await unpackLayer(stream, l.mediaType, dir, diffId);
        return dir;
      })().finally(() => this.inflight.delete(diffId));
      this.inflight.set(diffId, p);
    }
    return p;
  }
}
