import { BerthError, notFound } from '../../kernel/index.js';
import { now, type RegistryDeps } from '../deps.js';
import { deleteImage, listImageViews } from '../images.js';
import { getRepository } from '../repositories.js';
import { updateRepository } from '../repository-settings.js';
import { lifecyclePreviews, repositories, type LifecyclePreview, type RepositoryRecord } from '../tables.js';
import { evaluateLifecycle, type Expiry } from './evaluate.js';
import { parseLifecyclePolicy } from './policy.js';

export async function putLifecyclePolicy(deps: RegistryDeps, repo: string, text: string): Promise<RepositoryRecord> {
  parseLifecyclePolicy(text);
  return updateRepository(deps, repo, (r) => ({ ...r, lifecyclePolicyText: text }));
}

export function requireLifecyclePolicy(deps: RegistryDeps, r: RepositoryRecord): string {
  if (r.lifecyclePolicyText === undefined) {
    throw notFound(
      `Lifecycle policy does not exist for the repository with name '${r.name}' in the registry with id '${deps.accountId}'`,
      { resource: 'lifecycle-policy' },
    );
  }
  return r.lifecyclePolicyText;
}

export async function deleteLifecyclePolicy(deps: RegistryDeps, repo: string): Promise<RepositoryRecord> {
  const before = getRepository(deps, repo);
  requireLifecyclePolicy(deps, before);
  await updateRepository(deps, repo, (r) => {
    const next = { ...r };
    delete next.lifecyclePolicyText;
    return next;
  });
  return before;
}

function evaluate(deps: RegistryDeps, repo: string, text: string): Expiry[] {
  const images = listImageViews(deps, repo).map((v) => ({
    digest: v.manifest.digest,
    tags: v.tags,
    pushedAt: v.manifest.pushedAt,
    children: v.manifest.children,
  }));
  return evaluateLifecycle(parseLifecyclePolicy(text), images, now(deps));
}

/** Evaluates a policy (the given one, or the repository's) without expiring anything. */
export async function startPreview(deps: RegistryDeps, repo: string, text?: string): Promise<LifecyclePreview> {
  const r = getRepository(deps, repo);
  const policyText = text ?? requireLifecyclePolicy(deps, r);
  const results = evaluate(deps, repo, policyText).map((e) => ({
    digest: e.image.digest,
    tags: e.image.tags,
    pushedAt: e.image.pushedAt,
    rulePriority: e.rulePriority,
  }));
  const preview: LifecyclePreview = { repo, policyText, createdAt: now(deps), results };
  await deps.store.transact((tx) => tx.put(lifecyclePreviews, preview));
  return preview;
}

export function getPreview(deps: RegistryDeps, repo: string): LifecyclePreview {
  getRepository(deps, repo);
  const p = deps.store.read((tx) => tx.get(lifecyclePreviews, repo));
  if (!p) {
    throw notFound(
      `There is no dry run for the repository with name '${repo}' in the registry with id '${deps.accountId}'`,
      {
        resource: 'lifecycle-preview',
      },
    );
  }
  return p.value;
}

/** Applies a repository's policy now: expires what it selects and records when it ran. */
export async function applyLifecycle(deps: RegistryDeps, repo: string): Promise<string[]> {
  const r = getRepository(deps, repo);
  if (r.lifecyclePolicyText === undefined) return [];
  const gone: string[] = [];
  for (const e of evaluate(deps, repo, r.lifecyclePolicyText)) {
    try {
      await deleteImage(deps, repo, { imageDigest: e.image.digest });
      gone.push(e.image.digest);
    } catch (err) {
      // Pushed or re-tagged meanwhile, or now listed by an index: it stays until the next run.
      if (!(err instanceof BerthError)) throw err;
    }
  }
  await updateRepository(deps, repo, (cur) => ({ ...cur, lifecycleEvaluatedAt: now(deps) }));
  return gone;
}

/** Every repository with a policy, as the periodic run and the on-demand endpoint do it. */
export async function applyAllLifecycles(deps: RegistryDeps): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const r of deps.store.read((tx) => tx.list(repositories))) {
    if (r.value.lifecyclePolicyText !== undefined) out[r.value.name] = await applyLifecycle(deps, r.value.name);
  }
  return out;
}
