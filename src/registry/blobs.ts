import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { digestString, parseDigest, type AppendOptions, type Source } from '../blob/index.js';
import { notFound } from '../kernel/index.js';
import { now, type RegistryDeps } from './deps.js';
import { getRepository, repositoryForPush } from './repositories.js';
import { blobLinks, uploads, type UploadRecord } from './tables.js';

const blobUnknown = (repo: string, digest: string) =>
  notFound(`blob ${digest} is not known to repository ${repo}`, { resource: 'blob' });

/** A blob as one repository sees it: it must be linked there and present in the store. */
export async function statBlob(deps: RegistryDeps, repo: string, digest: string): Promise<{ size: number }> {
  const d = parseDigest(digest);
  getRepository(deps, repo);
  const link = deps.store.read((tx) => tx.get(blobLinks, `${repo}@${digest}`));
  const info = link ? await deps.blobs.stat(d) : undefined;
  if (!link || !info) throw blobUnknown(repo, digest);
  // A client that finds a blob here will reference it next; keep its link fresh for the collector.
  if (now(deps) - link.value.linkedAt > 10 * 60 * 1000) {
    await deps.store.transact((tx) => tx.put(blobLinks, { ...link.value, linkedAt: now(deps) }));
    await deps.blobs.touch(d);
  }
  return { size: info.size };
}

export function readBlob(deps: RegistryDeps, digest: string, range?: { start: number; end: number }): Readable {
  return deps.blobs.read(parseDigest(digest), range);
}

async function link(deps: RegistryDeps, repo: string, digest: string, size: number): Promise<void> {
  await deps.store.transact((tx) => {
    if (!tx.get(blobLinks, `${repo}@${digest}`)) tx.put(blobLinks, { repo, digest, size, linkedAt: now(deps) });
  });
}

export async function startUpload(deps: RegistryDeps, repo: string, viaEcrApi = false): Promise<UploadRecord> {
  await repositoryForPush(deps, repo);
  const rec: UploadRecord = { id: randomUUID(), repo, startedAt: now(deps), ...(viaEcrApi ? { viaEcrApi } : {}) };
  await deps.blobs.uploads.begin(rec.id);
  await deps.store.transact((tx) => tx.put(uploads, rec));
  return rec;
}

function uploadOf(deps: RegistryDeps, repo: string, id: string): UploadRecord {
  const rec = deps.store.read((tx) => tx.get(uploads, id));
  if (!rec || rec.value.repo !== repo) {
    throw notFound(`upload ${id} is not known to repository ${repo}`, { resource: 'upload' });
  }
  return rec.value;
}

export async function uploadSize(deps: RegistryDeps, repo: string, id: string): Promise<number> {
  uploadOf(deps, repo, id);
  const size = await deps.blobs.uploads.size(id);
  if (size === undefined) throw notFound(`upload ${id} has no data`, { resource: 'upload' });
  return size;
}

export async function appendUpload(
  deps: RegistryDeps,
  repo: string,
  id: string,
  source: Source,
  options?: AppendOptions,
) {
  uploadOf(deps, repo, id);
  return deps.blobs.uploads.append(id, source, options);
}

/** Commits an upload under `digest` (after an optional last chunk) and links it to the repository. */
export async function completeUpload(
  deps: RegistryDeps,
  repo: string,
  id: string,
  digest: string,
  last?: { source: Source; options?: AppendOptions },
): Promise<{ digest: string; size: number }> {
  const d = parseDigest(digest);
  uploadOf(deps, repo, id);
  if (last) await deps.blobs.uploads.append(id, last.source, last.options);
  const info = await deps.blobs.uploads.commit(id, d);
  await deps.store.transact((tx) => {
    tx.delete(uploads, id);
    if (!tx.get(blobLinks, `${repo}@${digest}`))
      tx.put(blobLinks, { repo, digest, size: info.size, linkedAt: now(deps) });
  });
  return { digest: digestString(info.digest), size: info.size };
}

export async function cancelUpload(deps: RegistryDeps, repo: string, id: string): Promise<void> {
  uploadOf(deps, repo, id);
  await deps.blobs.uploads.abort(id);
  await deps.store.transact((tx) => tx.delete(uploads, id));
}

/** A whole blob in one request (`POST ?digest=`), verified before it lands. */
export async function putBlob(deps: RegistryDeps, repo: string, digest: string, source: Source) {
  const d = parseDigest(digest);
  await repositoryForPush(deps, repo);
  const info = await deps.blobs.put(source, d);
  await link(deps, repo, digest, info.size);
  return { digest, size: info.size };
}

/** Cross-repository mount: links a blob another repository (or, without `from`, any) already has. */
export async function mountBlob(deps: RegistryDeps, repo: string, digest: string, from?: string): Promise<boolean> {
  const d = parseDigest(digest);
  await repositoryForPush(deps, repo);
  // Without `from`, any content the registry holds may be mounted: berth serves one account.
  if (from !== undefined && !deps.store.read((tx) => tx.get(blobLinks, `${from}@${digest}`))) return false;
  const info = await deps.blobs.stat(d);
  if (!info) return false;
  await deps.blobs.touch(d);
  await link(deps, repo, digest, info.size);
  return true;
}

export async function unlinkBlob(deps: RegistryDeps, repo: string, digest: string): Promise<void> {
  parseDigest(digest);
  getRepository(deps, repo);
  const removed = await deps.store.transact((tx) => tx.delete(blobLinks, `${repo}@${digest}`));
  if (!removed) throw blobUnknown(repo, digest);
}
