import { createHash } from 'node:crypto';
import { digestString, parseDigest, type Digest } from '../blob/index.js';
import { conflict, invalidParameter, limitExceeded, notFound } from '../kernel/index.js';
import { now, type RegistryDeps } from './deps.js';
import { parseManifest } from './media-types.js';
import { checkTag, isDigestReference, isValidTag } from './names.js';
import { repositoryForPush, repositoryNotFound } from './repositories.js';
import { checkTagMove } from './tag-mutability.js';
import { blobLinks, imageTags, manifests, referrers, repositories, type ManifestRecord } from './tables.js';
import type { ReadTx } from '../store/index.js';

export const manifestNotFound = (deps: RegistryDeps, repo: string, reference: string) =>
  notFound(
    `The image with imageId {${reference.includes(':') ? `imageDigest:'${reference}'` : `imageTag:'${reference}'`}} does not exist within the repository with name '${repo}' in the registry with id '${deps.accountId}'`,
    { resource: 'manifest' },
  );

export interface PutManifestResult {
  digest: string;
  subject?: string;
  mediaType: string;
}

/**
 * Stores a manifest under its digest (and a tag, if the reference is one). Everything it
 * references must already be in the repository; the bytes pushed are the bytes served.
 */
export async function putManifest(
  deps: RegistryDeps,
  repo: string,
  reference: string,
  contentType: string | undefined,
  bytes: Buffer,
): Promise<PutManifestResult> {
  await repositoryForPush(deps, repo);
  if (bytes.length > deps.maxManifestSize) {
    throw limitExceeded(`manifest is ${bytes.length} bytes; the limit is ${deps.maxManifestSize}`, {
      reason: 'too-large',
    });
  }
  const byDigest = isDigestReference(reference);
  const expected: Digest | undefined = byDigest ? parseDigest(reference, 'reference') : undefined;
  if (!byDigest) checkTag(reference);
  const parsed = parseManifest(bytes, contentType);
  const algorithm = expected?.algorithm ?? 'sha256';
  const digest: Digest = { algorithm, hex: createHash(algorithm).update(bytes).digest('hex') };
  if (expected && expected.hex !== digest.hex) {
    throw invalidParameter(`manifest digest ${digestString(digest)} does not match the reference ${reference}`, {
      reason: 'digest-invalid',
    });
  }
  const d = digestString(digest);
  const checkReferences = (tx: ReadTx) => {
    const missing = [
      ...parsed.blobs.filter((b) => !tx.get(blobLinks, `${repo}@${b.digest}`)),
      ...parsed.children.filter((c) => !tx.get(manifests, `${repo}@${c.digest}`)),
    ];
    if (missing.length > 0) {
      throw invalidParameter(
        `manifest references ${missing.map((m) => m.digest).join(', ')}, unknown to repository ${repo}`,
        { reason: 'manifest-blob-unknown' },
      );
    }
  };
  // Checked before the bytes are stored, so a refused manifest leaves no orphan blob; checked
  // again in the write, which is what commits.
  deps.store.read(checkReferences);
  await deps.blobs.put([bytes], digest);
  await deps.store.transact((tx) => {
    const repoRec = tx.get(repositories, repo);
    if (!repoRec) throw repositoryNotFound(deps, repo);
    checkReferences(tx);
    const existing = tx.get(manifests, `${repo}@${d}`)?.value;
    const rec: ManifestRecord = {
      repo,
      digest: d,
      mediaType: parsed.mediaType,
      size: bytes.length,
      pushedAt: existing?.pushedAt ?? now(deps),
      blobs: parsed.blobs,
      children: parsed.children.map((c) => c.digest),
      ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
      ...(parsed.configMediaType ? { configMediaType: parsed.configMediaType } : {}),
      ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
      ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
      ...(existing?.lastPulledAt ? { lastPulledAt: existing.lastPulledAt } : {}),
    };
    if (!byDigest) {
      const current = tx.get(imageTags, `${repo}:${reference}`)?.value;
      checkTagMove(repoRec.value, reference, current?.digest, d);
      if (current?.digest !== d) tx.put(imageTags, { repo, tag: reference, digest: d, updatedAt: now(deps) });
    }
    tx.put(manifests, rec);
    if (parsed.subject) {
      tx.put(referrers, {
        repo,
        subject: parsed.subject.digest,
        descriptor: {
          mediaType: parsed.mediaType,
          digest: d,
          size: bytes.length,
          ...((parsed.artifactType ?? parsed.configMediaType)
            ? { artifactType: parsed.artifactType ?? parsed.configMediaType }
            : {}),
          ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
        },
      });
    }
  });
  return { digest: d, mediaType: parsed.mediaType, ...(parsed.subject ? { subject: parsed.subject.digest } : {}) };
}

// Resolutions are remembered until the store's next write: pulls repeat the same few
// references far more often than anything changes, and this takes them off SQLite.
const resolvedByStore = new WeakMap<object, Map<string, { revision: number; rec: ManifestRecord }>>();

/** The manifest a tag or digest names in a repository. */
export function resolveManifest(deps: RegistryDeps, repo: string, reference: string): ManifestRecord {
  let resolved = resolvedByStore.get(deps.store);
  if (!resolved) resolvedByStore.set(deps.store, (resolved = new Map()));
  const key = `${repo}\n${reference}`;
  const revision = deps.store.revision();
  const hit = resolved.get(key);
  if (hit && hit.revision === revision) return hit.rec;
  const rec = lookupManifest(deps, repo, reference);
  if (resolved.size > 10_000) resolved.clear();
  resolved.set(key, { revision, rec });
  return rec;
}

function lookupManifest(deps: RegistryDeps, repo: string, reference: string): ManifestRecord {
  return deps.store.read((tx) => {
    if (!tx.get(repositories, repo)) throw repositoryNotFound(deps, repo);
    if (isDigestReference(reference)) parseDigest(reference, 'reference');
    // A tag no push could have made names no manifest: 404, as the OCI spec wants for a GET/HEAD
    // of a manifest that is not there (a PUT with such a tag is still TAG_INVALID).
    else if (!isValidTag(reference)) throw manifestNotFound(deps, repo, reference);
    const digest = isDigestReference(reference) ? reference : tx.get(imageTags, `${repo}:${reference}`)?.value.digest;
    const rec = digest ? tx.get(manifests, `${repo}@${digest}`) : undefined;
    if (!rec) throw manifestNotFound(deps, repo, reference);
    return rec.value;
  });
}

// Manifests are immutable under their digest and small, and pulls read them far more often
// than anything else; a bounded cache in front of the blob store serves the hot ones.
const CACHE_LIMIT = 64 * 1024 * 1024;
const cache = new Map<string, Buffer>();
let cached = 0;

export async function readManifestBytes(deps: RegistryDeps, rec: ManifestRecord): Promise<Buffer> {
  const hit = cache.get(rec.digest);
  if (hit) return hit;
  const parts: Buffer[] = [];
  for await (const chunk of deps.blobs.read(parseDigest(rec.digest))) parts.push(chunk as Buffer);
  const bytes = Buffer.concat(parts);
  cache.set(rec.digest, bytes);
  cached += bytes.length;
  for (const [k, v] of cache) {
    if (cached <= CACHE_LIMIT) break;
    cache.delete(k);
    cached -= v.length;
  }
  return bytes;
}

/** ECR refreshes lastRecordedPullTime lazily; once a minute keeps pulls from each costing a write. */
export async function recordPull(deps: RegistryDeps, rec: ManifestRecord): Promise<void> {
  const t = now(deps);
  if (rec.lastPulledAt !== undefined && t - rec.lastPulledAt < 60_000) return;
  await deps.store.transact((tx) => {
    const cur = tx.get(manifests, `${rec.repo}@${rec.digest}`);
    if (cur) tx.put(manifests, { ...cur.value, lastPulledAt: t });
  });
}

/** Deleting by tag removes the tag; by digest removes the manifest and every tag on it. */
export async function deleteManifest(deps: RegistryDeps, repo: string, reference: string): Promise<void> {
  await deps.store.transact((tx) => {
    if (!tx.get(repositories, repo)) throw repositoryNotFound(deps, repo);
    if (!isDigestReference(reference)) {
      checkTag(reference, 'reference');
      if (!tx.delete(imageTags, `${repo}:${reference}`)) throw manifestNotFound(deps, repo, reference);
      return;
    }
    parseDigest(reference, 'reference');
    const rec = tx.get(manifests, `${repo}@${reference}`);
    if (!rec) throw manifestNotFound(deps, repo, reference);
    const parent = tx.list(manifests, { prefix: `${repo}@` }).find((m) => m.value.children.includes(reference));
    if (parent) {
      throw conflict(
        `image ${reference} is referenced by the image index ${parent.value.digest}; delete the index first`,
        {
          resource: 'manifest-in-index',
        },
      );
    }
    tx.delete(manifests, rec.key);
    for (const t of tx.list(imageTags, { prefix: `${repo}:` }))
      if (t.value.digest === reference) tx.delete(imageTags, t.key);
    if (rec.value.subject) tx.delete(referrers, `${repo}@${rec.value.subject}@${reference}`);
  });
}

/** The tags on each manifest of a repository, for describing images. */
export function tagsByDigest(deps: RegistryDeps, repo: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of deps.store.read((tx) => tx.list(imageTags, { prefix: `${repo}:` }))) {
    const list = out.get(t.value.digest) ?? [];
    list.push(t.value.tag);
    out.set(t.value.digest, list);
  }
  return out;
}
