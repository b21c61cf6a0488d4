import type { Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { limitExceeded } from '../kernel/index.js';
import type { Source } from './port.js';

/**
 * Copies `source` into the file at `path` from offset `start` while feeding `hash`, and flushes
 * it to disk before resolving. A stream pipeline with a deep write buffer keeps the network read
 * and the disk write overlapping, which a read-then-await loop does not. Returns the bytes written.
 */
export async function hashingWrite(
  source: Source,
  path: string,
  flags: 'w' | 'r+',
  hash: Hash,
  start: number,
  maxSize?: number,
): Promise<number> {
  let written = 0;
  await pipeline(
    source,
    async function* (chunks: Source) {
      for await (const chunk of chunks) {
        if (maxSize !== undefined && start + written + chunk.length > maxSize) {
          throw limitExceeded(`blob exceeds the maximum size of ${maxSize} bytes`, { reason: 'too-large' });
        }
        hash.update(chunk);
        written += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(path, { flags, start, highWaterMark: 8 << 20, flush: true }),
  );
  return written;
}
