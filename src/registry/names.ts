import { invalidParameter } from '../kernel/index.js';

// The OCI distribution grammar for repository names and tags (ECR adds a 2–256 length).
const NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export function checkRepositoryName(name: string, field = 'repositoryName'): string {
  if (name.length < 2 || name.length > 256 || !NAME.test(name)) {
    throw invalidParameter(
      `Invalid parameter at '${field}' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*'' and length 2-256: '${name}'`,
      { field, reason: 'name-invalid' },
    );
  }
  return name;
}

/** A manifest reference is a digest when it has the `algorithm:` form; anything else is a tag. */
export const isDigestReference = (ref: string): boolean => ref.includes(':');

export const isValidTag = (tag: string): boolean => TAG.test(tag);

export function checkTag(tag: string, field = 'imageTag'): string {
  if (!TAG.test(tag)) {
    throw invalidParameter(`invalid tag '${tag}': tags are up to 128 of [A-Za-z0-9_.-], not starting with . or -`, {
      field,
      reason: 'tag-invalid',
    });
  }
  return tag;
}

export { isDigest } from '../blob/index.js';
