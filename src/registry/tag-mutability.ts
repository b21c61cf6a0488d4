import { conflict, compileWildcard } from '../kernel/index.js';
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

/** Refuses to move a tag that points at `current` to `next` where the repository keeps it immutable. */
export function checkTagMove(repo: RepositoryRecord, tag: string, current: string | undefined, next: string): void {
  if (current !== undefined && current !== next && !tagIsMutable(repo, tag)) {
    throw conflict(
      `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the tag is immutable.`,
      { resource: 'tag' },
    );
  }
}
