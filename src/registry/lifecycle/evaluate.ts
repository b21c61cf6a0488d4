import { compileWildcard } from '../../kernel/index.js';
import type { LifecyclePolicy, LifecycleRule } from './policy.js';

/** What the evaluator needs to know of an image. */
export interface LifecycleImage {
  digest: string;
  tags: string[];
  pushedAt: number;
  /** Manifests this one lists (an index's children). */
  children: string[];
}

export interface Expiry {
  image: LifecycleImage;
  rulePriority: number;
}

/** Whether an image meets a rule's tagging requirements (every listed prefix/pattern on some tag). */
export function selects(rule: LifecycleRule, image: LifecycleImage): boolean {
  const sel = rule.selection;
  if (sel.tagStatus === 'untagged') return image.tags.length === 0;
  if (sel.tagStatus === 'any') return true;
  if (image.tags.length === 0) return false;
  if (sel.tagPrefixList) return sel.tagPrefixList.every((p) => image.tags.some((t) => t.startsWith(p)));
  return (sel.tagPatternList ?? []).every((p) => image.tags.some((t) => compileWildcard(p)(t)));
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * ECR's evaluation: every rule identifies its candidates over all the images it selects, then
 * rules apply in priority order; an image is expired by at most one rule, never by a rule of
 * lower priority than one whose tagging requirements it meets. Older images expire first.
 * An image listed by an index that stays is kept.
 */
export function evaluateLifecycle(policy: LifecyclePolicy, images: LifecycleImage[], now: number): Expiry[] {
  const newestFirst = [...images].sort((a, b) => b.pushedAt - a.pushedAt || (a.digest < b.digest ? -1 : 1));
  const claimed = new Set<string>();
  const expired = new Map<string, Expiry>();
  for (const rule of policy.rules) {
    const selected = newestFirst.filter((img) => selects(rule, img));
    const { countType, countNumber } = rule.selection;
    const candidates =
      countType === 'imageCountMoreThan'
        ? selected.slice(countNumber)
        : selected.filter((img) => img.pushedAt < now - countNumber * DAY);
    for (const img of candidates) {
      if (!claimed.has(img.digest) && !expired.has(img.digest))
        expired.set(img.digest, { image: img, rulePriority: rule.rulePriority });
    }
    for (const img of selected) claimed.add(img.digest);
  }
  // Keep what a surviving index lists, until no more change (indexes may list indexes).
  for (let changed = true; changed;) {
    changed = false;
    for (const img of images) {
      if (expired.has(img.digest)) continue;
      for (const child of img.children) if (expired.delete(child)) changed = true;
    }
  }
  return [...expired.values()].sort((a, b) => a.image.pushedAt - b.image.pushedAt);
}
