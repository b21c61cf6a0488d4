import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { imageConfig, type ImageConfig } from './image-config.js';
import { parseImageRef } from '../../kernel/index.js';
import type { RegistryClient } from './registry-client.js';
import { unpackLayer } from './unpack-layer.js';

/** What a container needs from its image's config. */
export type { ImageConfig } from './image-config.js';

export interface PulledImage {
  digest: string;
  config: ImageConfig;
  /** Snapshot directories, lowest layer first. */
  layers: string[];
}

/** ECS_IMAGE_PULL_BEHAVIOR's values. */
export const PULL_BEHAVIORS = ['default', 'always', 'once', 'prefer-cached'] as const;
export type PullBehavior = (typeof PULL_BEHAVIORS)[number];

/** A cached resolution of an image reference, with when it was pulled and last used. */
interface CachedImage extends PulledImage {
  image: string;
  pulledAt: number;
  lastUsedAt: number;
}

export interface CleanupOptions {
  /** Image references some task on this host still uses. */
  inUse: ReadonlySet<string>;
  now: number;
  /** Unused images younger than this (since their last use) are kept, unless the disk is short. */
  minimumAgeMs: number;
  /** At most this many images removed per cycle. */
  maxPerCycle: number;
  /** The disk is short of space: remove unused images regardless of age, oldest first. */
  diskPressure: boolean;
}

/** Whether every snapshot an image resolution names is still on disk (cleanup may have removed some). */
const present = (i: PulledImage) => i.layers.every((l) => existsSync(l));

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
  /** Pulls under way: their finished layers are not yet recorded in any image, so cleanup waits. */
  private pulling = 0;
  private readonly fetching = new Map<string, Promise<PulledImage>>();
  /** Images resolved by this process, by manifest digest. */
  private readonly resolved = new Map<string, PulledImage>();
  /** The same by reference, as last pulled here: what `peek` answers without reading a file. */
  private readonly lastPulled = new Map<string, PulledImage>();
  private writes = 0;

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

  private async cached(image: string): Promise<CachedImage | undefined> {
    let c: CachedImage;
    try {
      c = JSON.parse(await readFile(this.cachePath(image), 'utf8')) as CachedImage;
    } catch {
      return undefined; // none, or unreadable: as good as none
    }
    // Entries written before configs were normalised may hold docker build's empty strings.
    return Array.isArray(c.layers) && present(c) ? { ...c, config: imageConfig(c.config) } : undefined;
  }

  private async remember(image: string, pulled: PulledImage, pulledAt?: number): Promise<void> {
    const now = Date.now();
    const entry: CachedImage = { ...pulled, image, pulledAt: pulledAt ?? now, lastUsedAt: now };
    this.lastPulled.set(image, pulled);
    // Written aside and renamed into place: a task reading the entry while another task's pull
    // rewrites it sees the old one or the new one, never half of one. The directory is made when
    // the first write finds it missing, not before every write.
    const path = this.cachePath(image);
    const tmp = `${path}.${process.pid}.${++this.writes}.tmp`;
    await writeFile(tmp, JSON.stringify(entry)).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await mkdir(join(this.root, 'images'), { recursive: true });
      await writeFile(tmp, JSON.stringify(entry));
    });
    await rename(tmp, path);
  }

  /** What this host last resolved the reference to, if it still has every layer; asks no registry. */
  async peek(image: string): Promise<PulledImage | undefined> {
    const last = this.lastPulled.get(image);
    if (last && present(last)) return last;
    return this.cached(image);
  }

  /**
   * Pull behaviour as ECS_IMAGE_PULL_BEHAVIOR: `default` pulls and falls back to the cached image
   * when the registry fails; `always` pulls or fails; `once` and `prefer-cached` use the image this
   * host already has and pull only when it has none.
   */
  async pull(image: string, behavior: PullBehavior = 'default', authorization?: string): Promise<PulledImage> {
    if (behavior === 'once' || behavior === 'prefer-cached') {
      const hit = await this.cached(image);
      if (hit) {
        await this.remember(image, hit, hit.pulledAt);
        return hit;
      }
    }
    this.pulling++;
    try {
      // Tasks asking for the same image at once share one resolution and one download (with
      // the same credentials: a pull without them does not ride on one that has them).
      const key = authorization === undefined ? image : `${image}\n${authorization}`;
      let fetching = this.fetching.get(key);
      if (!fetching) {
        fetching = this.fetch(image, authorization).finally(() => this.fetching.delete(key));
        this.fetching.set(key, fetching);
      }
      const pulled = await fetching;
      await this.remember(image, pulled);
      return pulled;
    } catch (e) {
      const hit = behavior === 'default' ? await this.cached(image) : undefined;
      if (!hit) throw e;
      await this.remember(image, hit, hit.pulledAt);
      return hit;
    } finally {
      this.pulling--;
    }
  }

  private async fetch(image: string, auth?: string): Promise<PulledImage> {
    const ref = parseImageRef(image);
    let { mediaType, bytes } = await this.client.manifest(ref.registry, ref.repository, ref.reference, auth);
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
      ({ mediaType, bytes } = await this.client.manifest(ref.registry, ref.repository, pick.digest, auth));
      if (sha256(bytes) !== pick.digest) throw new Error(`manifest ${pick.digest} does not match its digest`);
      manifest = JSON.parse(bytes.toString()) as typeof manifest;
      digest = pick.digest;
    }
    void mediaType;
    // The manifest is the one this host resolved before (same digest, so the same config and
    // layers, all verified then): its recorded resolution stands without fetching the config again.
    const known = this.resolved.get(digest);
    if (known && present(known)) return known;
    if (!manifest.config || !manifest.layers) throw new Error(`${image} is not an image manifest`);
    const configBytes = await this.readBlob(ref.registry, ref.repository, manifest.config.digest, auth);
    const config = JSON.parse(configBytes.toString()) as { config?: unknown; rootfs?: { diff_ids?: string[] } };
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length)
      throw new Error(`${image}: the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}`);
    const layers = await Promise.all(
      manifest.layers.map((l, i) => this.layer(ref.registry, ref.repository, l, diffIds[i] as string, auth)),
    );
    const pulled = { digest, config: imageConfig(config.config), layers };
    this.resolved.set(digest, pulled);
    return pulled;
  }

  /**
   * Removes images no task uses that have gone unused for `minimumAgeMs` (any unused image, oldest
   * first, when the disk is short), then every snapshot no remaining image needs. Returns the
   * references removed.
   */
  async cleanup(o: CleanupOptions): Promise<string[]> {
    const dir = join(this.root, 'images');
    const entries: { file: string; img: CachedImage }[] = [];
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (!f.endsWith('.json')) continue;
      const img = await readFile(join(dir, f), 'utf8').then(
        (t) => JSON.parse(t) as CachedImage,
        () => undefined,
      );
      if (img) entries.push({ file: join(dir, f), img });
    }
    const removable = entries
      .filter(({ img }) => !o.inUse.has(img.image))
      .filter(({ img }) => o.diskPressure || o.now - (img.lastUsedAt ?? 0) >= o.minimumAgeMs)
      .sort((a, b) => (a.img.lastUsedAt ?? 0) - (b.img.lastUsedAt ?? 0))
      .slice(0, o.maxPerCycle);
    for (const { file } of removable) await rm(file, { force: true });
    const gone = new Set(removable.map((r) => r.file));
    const needed = new Set(entries.filter((e) => !gone.has(e.file)).flatMap((e) => e.img.layers));
    const snapshots = join(this.root, 'snapshots');
    if (this.pulling > 0) return removable.map((r) => r.img.image);
    for (const name of await readdir(snapshots).catch(() => [] as string[])) {
      const path = join(snapshots, name);
      // Unpacks in progress live in `<snapshot>.tmp-*` and are left alone.
      if (name.includes('.tmp-') || needed.has(path) || this.inflight.has(name.replace('-', ':'))) continue;
      await rm(path, { recursive: true, force: true });
    }
    return removable.map((r) => r.img.image);
  }

  private async readBlob(host: string, repo: string, digest: string, auth?: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of await this.client.blob(host, repo, digest, auth)) parts.push(c as Buffer);
    const b = Buffer.concat(parts);
    if (sha256(b) !== digest) throw new Error(`blob ${digest} does not match its digest`);
    return b;
  }

  private layer(
    host: string,
    repo: string,
    l: { digest: string; mediaType: string },
    diffId: string,
    auth?: string,
  ): Promise<string> {
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
        const stream = (await this.client.blob(host, repo, l.digest, auth)).pipe(verify);
        await unpackLayer(stream, l.mediaType, dir, diffId);
        return dir;
      })().finally(() => this.inflight.delete(diffId));
      this.inflight.set(diffId, p);
    }
    return p;
  }
}
