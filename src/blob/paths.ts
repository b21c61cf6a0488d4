import { join } from 'node:path';
import type { Digest } from './digest.js';

/**
 * Every on-disk path of the blob store, computed here and nowhere else:
 *
 *   <root>/
 *     sha256/<first two hex>/<hex>   committed content, immutable, named by its digest
 *     sha512/<first two hex>/<hex>
 *     uploads/<upload id>            bytes of an upload session in progress (resumable)
 *     tmp/<random>                   monolithic ingests before their digest is verified
 *
 * A blob appears under its digest only by an atomic rename of a fully written, verified file,
 * so a crash leaves either the whole blob or nothing.
 */
export const blobPaths = (root: string) => ({
  content: (d: Digest) => join(root, d.algorithm, d.hex.slice(0, 2), d.hex),
  contentDir: (d: Digest) => join(root, d.algorithm, d.hex.slice(0, 2)),
  algorithmDir: (algorithm: string) => join(root, algorithm),
  uploads: join(root, 'uploads'),
  upload: (id: string) => join(root, 'uploads', id),
  tmp: join(root, 'tmp'),
});
