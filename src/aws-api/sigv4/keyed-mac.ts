import * as crypto from 'node:crypto';
import { createHmac } from 'node:crypto';

// Node's one-shot digest (20.12 and later): no Hash object to build and later collect.
const oneShot = (crypto as { hash?: (alg: string, data: Buffer, enc: 'buffer') => Buffer }).hash;

const BLOCK = 64;
/** Room for a SigV4 string to sign (about 150 bytes); a longer message takes createHmac. */
const ROOM = 512;

/**
 * HMAC-SHA256 under one fixed key, as RFC 2104 defines it: SHA256((K ^ opad) || SHA256((K ^ ipad)
 * || m)). A SigV4 signing key signs every request of a day; its padded blocks are laid out once
 * and each message costs two one-shot digests, where createHmac would build (and the collector
 * later finalize) a native object per request. Falls back to createHmac where Node has no
 * one-shot digest, for keys longer than a block, and for long messages.
 */
export function keyedMac(key: Buffer): (message: string) => Buffer {
  const hash = oneShot;
  if (!hash || key.length > BLOCK) return (m) => createHmac('sha256', key).update(m).digest();
  const inner = Buffer.alloc(BLOCK + ROOM);
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = (key[i] ?? 0) ^ 0x36;
    outer[i] = (key[i] ?? 0) ^ 0x5c;
  }
  return (m) => {
    // Each message is written over the last one: the digests are taken before this returns.
    if (Buffer.byteLength(m) > ROOM) return createHmac('sha256', key).update(m).digest();
    const n = inner.write(m, BLOCK, 'utf8');
    hash('sha256', inner.subarray(0, BLOCK + n), 'buffer').copy(outer, BLOCK);
    return hash('sha256', outer, 'buffer');
  };
}
