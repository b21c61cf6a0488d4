import { parseDigest } from '../blob/index.js';
import type { RegistryDeps } from './deps.js';
import { getRepository } from './repositories.js';
import { imageTags, referrers, repositories, type Descriptor } from './tables.js';

export interface Page<T> {
  items: T[];
  /** The last item returned, when more follow. */
  last?: string;
}

function page<T>(items: T[], key: (t: T) => string, n: number | undefined): Page<T> {
  if (n === undefined || items.length <= n) return { items };
  const out = items.slice(0, n);
  return { items: out, last: key(out[out.length - 1] as T) };
}

/** Tags in lexical order, `n` at a time after `last`. */
export function listTags(deps: RegistryDeps, repo: string, n?: number, last?: string): Page<string> {
  getRepository(deps, repo);
  const prefix = `${repo}:`;
  const rows = deps.store.read((tx) =>
    tx.list(imageTags, {
      prefix,
      ...(last ? { after: prefix + last } : {}),
      ...(n !== undefined ? { limit: n + 1 } : {}),
    }),
  );
  return page(
    rows.map((r) => r.value.tag),
    (t) => t,
    n,
  );
}

export function catalog(deps: RegistryDeps, n?: number, last?: string): Page<string> {
  const rows = deps.store.read((tx) =>
    tx.list(repositories, { ...(last ? { after: last } : {}), ...(n !== undefined ? { limit: n + 1 } : {}) }),
  );
  return page(
    rows.map((r) => r.value.name),
    (t) => t,
    n,
  );
}

/** Manifests whose `subject` is `digest`, optionally only those of one artifact type. */
export function listReferrers(deps: RegistryDeps, repo: string, digest: string, artifactType?: string): Descriptor[] {
  parseDigest(digest);
  // A repository that a push would create does not exist yet and has no referrers: the OCI
  // spec's registry that serves referrers answers an empty index, never 404.
  if (deps.createOnPush && !deps.store.read((tx) => tx.get(repositories, repo))) return [];
  getRepository(deps, repo);
  return deps.store
    .read((tx) => tx.list(referrers, { prefix: `${repo}@${digest}@` }))
    .map((r) => r.value.descriptor)
    .filter((d) => artifactType === undefined || d.artifactType === artifactType);
}
