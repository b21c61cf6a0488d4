import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, mkdirSync, type Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, truncate, utimes } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { conflict, invalidParameter, notFound } from '../kernel/index.js';
import type { Algorithm, Digest } from './digest.js';
import { hashingWrite } from './hashing-write.js';
import { blobPaths } from './paths.js';
import type { AppendOptions, BlobInfo, BlobStore, Source, UploadSessions } from './port.js';

interface UploadState {
  hash: Hash; // sha256 of the bytes so far; other algorithms are computed at commit
  size: number;
}

const digestMismatch = (expected: Digest) =>
  invalidParameter(`provided digest ${expected.algorithm}:${expected.hex} did not match uploaded content`, {
    field: 'digest',
    reason: 'digest-invalid',
  });

async function hashFile(path: string, algorithm: Algorithm): Promise<{ hash: Hash; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hash, size };
}

/** The filesystem blob driver: content-addressed files, resumable upload files, atomic renames. */
export class FsBlobStore implements BlobStore {
  private readonly paths;
  private readonly state = new Map<string, UploadState>();
  private readonly busy = new Set<string>();

  constructor(root: string) {
    this.paths = blobPaths(root);
    mkdirSync(this.paths.uploads, { recursive: true });
    mkdirSync(this.paths.tmp, { recursive: true });
  }

  async stat(digest: Digest): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.paths.content(digest));
      return { digest, size: s.size };
    } catch {
      return undefined;
    }
  }

  read(digest: Digest, range?: { start: number; end: number }): Readable {
    // Large reads: layers are big, and 64 KiB reads cost a syscall and an event-loop turn each.
    const highWaterMark = 1 << 20;
    return createReadStream(
      this.paths.content(digest),
      range ? { start: range.start, end: range.end, highWaterMark } : { highWaterMark },
    );
  }

  /**
   * Moves a complete, flushed file into place under its digest; the same content twice is kept
   * once. Either way the blob's mtime becomes now, which is what a collector's grace window reads.
   */
  private async land(from: string, digest: Digest, size: number): Promise<BlobInfo> {
    await mkdir(this.paths.contentDir(digest), { recursive: true });
    if (await this.stat(digest)) {
      await this.touch(digest);
      await rm(from, { force: true });
    } else {
      const t = new Date();
      await utimes(from, t, t);
      await rename(from, this.paths.content(digest));
    }
    return { digest, size };
  }

  async sweepTemporary(olderThanMs: number): Promise<number> {
    let removed = 0;
    const cutoff = Date.now() - olderThanMs;
    for (const name of await readdir(this.paths.tmp).catch(() => [] as string[])) {
      const path = `${this.paths.tmp}/${name}`;
      const s = await stat(path).catch(() => undefined);
      if (s && s.mtimeMs < cutoff) {
        await rm(path, { force: true, recursive: true });
        removed++;
      }
    }
    return removed;
  }

  async touch(digest: Digest): Promise<void> {
    const t = new Date();
    await utimes(this.paths.content(digest), t, t).catch(() => undefined);
  }

  async put(source: Source, expected?: Digest, options: { maxSize?: number } = {}): Promise<BlobInfo> {
    const tmp = `${this.paths.tmp}/${randomUUID()}`;
    const algorithm = expected?.algorithm ?? 'sha256';
    const hash = createHash(algorithm);
    try {
      const size = await hashingWrite(source, tmp, 'w', hash, 0, options.maxSize);
      const digest: Digest = { algorithm, hex: hash.digest('hex') };
      if (expected && expected.hex !== digest.hex) throw digestMismatch(expected);
      return await this.land(tmp, digest, size);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async delete(digest: Digest): Promise<boolean> {
    try {
      await rm(this.paths.content(digest));
      return true;
    } catch {
      return false;
    }
  }

  async *list(): AsyncIterable<BlobInfo & { mtime: Date }> {
    for (const algorithm of ['sha256', 'sha512'] as const) {
      let prefixes: Dirent[];
      try {
        prefixes = await readdir(this.paths.algorithmDir(algorithm), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const p of prefixes) {
        if (!p.isDirectory()) continue;
        for (const name of await readdir(`${this.paths.algorithmDir(algorithm)}/${p.name}`)) {
          const digest: Digest = { algorithm, hex: name };
          const s = await stat(this.paths.content(digest)).catch(() => undefined);
          if (s) yield { digest, size: s.size, mtime: s.mtime };
        }
      }
    }
  }

  readonly uploads: UploadSessions = {
    begin: async (id) => {
      const f = await open(this.paths.upload(id), 'wx');
      await f.close();
      this.state.set(id, { hash: createHash('sha256'), size: 0 });
    },

    size: async (id) => {
      const st = this.state.get(id);
      if (st) return st.size;
      return (await stat(this.paths.upload(id)).catch(() => undefined))?.size;
    },

    append: (id, source, options: AppendOptions = {}) =>
      this.exclusive(id, async () => {
        const st = await this.loadState(id);
        if (options.offset !== undefined && options.offset !== st.size) {
          throw invalidParameter(`chunk starts at ${options.offset} but the upload has ${st.size} bytes`, {
            reason: 'range-invalid',
          });
        }
        const before = st.hash.copy();
        let written: number;
        try {
          written = await hashingWrite(source, this.paths.upload(id), 'r+', st.hash, st.size, options.maxSize);
          if (options.length !== undefined && written !== options.length) {
            throw invalidParameter(`chunk declared ${options.length} bytes but carried ${written}`, {
              reason: 'upload-invalid',
            });
          }
        } catch (e) {
          // All of the chunk or none of it: a client resuming from `size` must find exactly that.
          await truncate(this.paths.upload(id), st.size);
          st.hash = before;
          throw e;
        }
        st.size += written;
        return st.size;
      }),

    commit: (id, expected) =>
      this.exclusive(id, async () => {
        const st = await this.loadState(id);
        const hex =
          expected.algorithm === 'sha256'
            ? st.hash.copy().digest('hex')
            : (await hashFile(this.paths.upload(id), expected.algorithm)).hash.digest('hex');
        if (hex !== expected.hex) throw digestMismatch(expected);
        const info = await this.land(this.paths.upload(id), expected, st.size);
        this.state.delete(id);
        return info;
      }),

    abort: async (id) => {
      this.state.delete(id);
      await rm(this.paths.upload(id), { force: true });
    },

    list: async () => {
      const out: { id: string; mtime: Date }[] = [];
      for (const id of await readdir(this.paths.uploads)) {
        const s = await stat(this.paths.upload(id)).catch(() => undefined);
        if (s) out.push({ id, mtime: s.mtime });
      }
      return out;
    },
  };

  /** After a restart the hash state is gone; it is rebuilt from the bytes on disk. */
  private async loadState(id: string): Promise<UploadState> {
    let st = this.state.get(id);
    if (!st) {
      const exists = await stat(this.paths.upload(id)).catch(() => undefined);
      if (!exists) throw notFound(`upload ${id} is not known`, { resource: 'upload' });
      st = await hashFile(this.paths.upload(id), 'sha256');
      this.state.set(id, st);
    }
    return st;
  }

  private async exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    if (this.busy.has(id)) throw conflict(`upload ${id} is busy with another request`, { reason: 'upload-invalid' });
    this.busy.add(id);
    try {
      return await fn();
    } finally {
      this.busy.delete(id);
    }
  }
}
