import { randomBytes, randomUUID } from 'node:crypto';

// Random bytes drawn 4 KiB at a time: one draw per id cost more than the rest of making it.
let pool = Buffer.alloc(0);
let used = 0;
function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

/** 32 hex characters: the shape of ECS task and container-instance ids. */
export function hexId(): string {
  return randomHex(16);
}

/**
 * 32 hex characters like `hexId`, the first 12 the time in milliseconds, the other 20 random
 * (80 bits): ids made close in time sort close together. Stored under such keys, the tasks of a
 * RunTask land on a few database pages instead of one page each (random keys wrote ~7 times the
 * bytes of the tasks themselves to the write-ahead log).
 */
export function timeOrderedHexId(nowMs: number = Date.now()): string {
  return Math.floor(nowMs).toString(16).padStart(12, '0').slice(-12) + randomHex(10);
}

export function uuid(): string {
  return randomUUID();
}
