import { compileWildcard } from '../kernel/wildcard.js';
import type { RepositoryRecord } from './tables.js';

/** Whether an existing tag may be moved to another image, under ECR's mutability settings. */
export function tagIsMutable(repo: RepositoryRecord, tag: string): boolean {
  const matches = (repo.imageTagMutabilityExclusionFilters ?? []).some((f) => compileWildcard(f.filter)(tag));
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
