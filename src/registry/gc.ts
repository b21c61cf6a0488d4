import { digestString, parseDigest } from '../blob/index.js';
import { now, type RegistryDeps } from './deps.js';
import { blobLinks, manifests, uploads } from './tables.js';

/** A monolithic ingest lasts at most one request (10 minutes); one older than this was cut off. */
export const TEMPORARY_TTL_MS = 15 * 60 * 1000;

export interface GcOptions {
  /** Nothing younger than this is collected: it may belong to a push still in flight. */
  graceMs: number;
  /** Upload sessions untouched for this long are abandoned. */
  uploadTtlMs: number;
}

export interface GcReport {
  blobs: string[];
  links: number;
  uploads: string[];
  /** Monolithic ingests that never landed. */
  temporary: number;
}

/**
 * Online mark and sweep. Links that no manifest needs and that are older than the grace window
 * go first; then every blob that no link and no manifest references, and that has not been
 * written or touched within the grace window, is deleted. Landing, mounting and re-pushing a
 * blob all touch it, so a push racing the sweep keeps what it uses.
 */
export async function collectGarbage(deps: RegistryDeps, options: GcOptions): Promise<GcReport> {
  const t = now(deps);
  const links = await deps.store.transact((tx) => {
    const needed = new Set<string>();
    for (const m of tx.list(manifests)) for (const b of m.value.blobs) needed.add(`${m.value.repo}@${b.digest}`);
    let removed = 0;
    for (const l of tx.list(blobLinks)) {
      if (l.value.linkedAt < t - options.graceMs && !needed.has(l.key)) {
        tx.delete(blobLinks, l.key);
        removed++;
      }
    }
    return removed;
  });
  const marked = deps.store.read((tx) => {
    const set = new Set<string>();
    for (const l of tx.list(blobLinks)) set.add(l.value.digest);
    for (const m of tx.list(manifests)) {
      set.add(m.value.digest);
      for (const b of m.value.blobs) set.add(b.digest);
    }
    return set;
  });
  const blobs: string[] = [];
  for await (const b of deps.blobs.list()) {
    const d = digestString(b.digest);
    if (marked.has(d) || b.mtime.getTime() >= Date.now() - options.graceMs) continue;
    if (await deps.blobs.delete(parseDigest(d))) blobs.push(d);
  }
  const abandoned: string[] = [];
  for (const u of await deps.blobs.uploads.list()) {
    if (u.mtime.getTime() >= Date.now() - options.uploadTtlMs) continue;
    await deps.blobs.uploads.abort(u.id);
    await deps.store.transact((tx) => tx.delete(uploads, u.id));
    abandoned.push(u.id);
  }
  const temporary = await deps.blobs.sweepTemporary(TEMPORARY_TTL_MS);
  return { blobs, links, uploads: abandoned, temporary };
}
