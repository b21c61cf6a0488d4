import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { limitExceeded } from '../kernel/errors.js';
import type { Source } from './port.js';

/**
 * Copies `source` to the end of `file` while feeding `hash`, in batches so that small network
 * chunks do not each cost a write call. Returns the number of bytes written.
 */
export async function hashingWrite(
  source: Source,
  file: FileHandle,
  hash: Hash,
  start: number,
  maxSize?: number,
): Promise<number> {
  let written = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const buf = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await file.write(buf, off, buf.length - off, start + written + off);
      off += bytesWritten;
    }
    written += buf.length;
  };
  for await (const chunk of source) {
    if (maxSize !== undefined && start + written + pendingBytes + chunk.length > maxSize) {
      throw limitExceeded(`blob exceeds the maximum size of ${maxSize} bytes`, { code: 'SIZE_INVALID' });
    }
    hash.update(chunk);
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= 1 << 20) await flush();
  }
  await flush();
  return written;
}
