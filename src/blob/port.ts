import type { Readable } from 'node:stream';
import type { Digest } from './digest.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export type Source = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Reading committed content. */
export interface BlobReader {
  stat(digest: Digest): Promise<BlobInfo | undefined>;
  /** The blob's bytes, or the inclusive byte range [start, end] of them. */
  read(digest: Digest, range?: { start: number; end: number }): Readable;
}

/** Writing content: whole blobs verified against a digest, and deletion (for garbage collection). */
export interface BlobWriter {
  /** Streams `source` in, hashing it; lands only if it matches `expected` (when given). */
  put(source: Source, expected?: Digest, options?: { maxSize?: number }): Promise<BlobInfo>;
  delete(digest: Digest): Promise<boolean>;
  /** Marks a blob as just used, so a garbage collector's grace window protects it. */
  touch(digest: Digest): Promise<void>;
  /** Every committed blob with its modification time (for garbage collection). */
  list(): AsyncIterable<BlobInfo & { mtime: Date }>;
  /**
   * Removes ingests older than `olderThanMs` that never landed (a process killed mid-upload
   * leaves them); returns how many.
   */
  sweepTemporary(olderThanMs: number): Promise<number>;
}

export interface AppendOptions {
  /** Where the client says this chunk starts; anything but the current size is refused. */
  offset?: number;
  /** How many bytes the client says it sends; a chunk of any other length is rolled back. */
  length?: number;
  maxSize?: number;
}

/** Resumable upload sessions: appended chunk by chunk, committed under a verified digest. */
export interface UploadSessions {
  begin(id: string): Promise<void>;
  /** Appends a chunk atomically (all of it or none of it) and returns the new size. */
  append(id: string, source: Source, options?: AppendOptions): Promise<number>;
  size(id: string): Promise<number | undefined>;
  commit(id: string, expected: Digest): Promise<BlobInfo>;
  abort(id: string): Promise<void>;
  list(): Promise<{ id: string; mtime: Date }[]>;
}

export interface BlobStore extends BlobReader, BlobWriter {
  readonly uploads: UploadSessions;
}
