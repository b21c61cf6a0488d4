import type { RepositoryRecord } from './tables.js';

function wildcard(filter: string): RegExp {
  return new RegExp(`^${filter.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** Whether an existing tag may be moved to another image, under ECR's mutability settings. */
export function tagIsMutable(repo: RepositoryRecord, tag: string): boolean {
  const matches = (repo.imageTagMutabilityExclusionFilters ?? []).some((f) => wildcard(f.filter).test(tag));
  switch (repo.imageTagMutability) {
    case 'IMMUTABLE':
      return false;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return matches;
    case 'MUTABLE_WITH_EXCLUSION':
      return !matches;
    default:
      return true;
  }
}
