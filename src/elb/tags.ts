import { invalidParameter, limitExceeded } from '../kernel/index.js';
import type { ElbTag } from './tables.js';

/** ELB's tag rules: at most 50, keys unique, none under the reserved `aws:` prefix. */
export function checkTags(tags: ElbTag[] | undefined): void {
  if (!tags) return;
  if (tags.length > 50)
    throw limitExceeded('You have reached the limit on the number of tags for this resource', {
      reason: 'too-many-tags',
    });
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(t.Key))
      throw invalidParameter(`Tag key '${t.Key}' is given more than once`, {
        reason: 'configuration-invalid',
        field: 'Tags',
      });
    if (t.Key.startsWith('aws:')) throw invalidParameter(`Tag keys cannot start with 'aws:'`, { field: 'Tags' });
    seen.add(t.Key);
  }
}

/** Tags after AddTags: new keys appended, existing ones given their new value. */
export function mergeTags(have: readonly ElbTag[], add: readonly ElbTag[]): ElbTag[] {
  const out = have.map((t) => ({ ...t }));
  for (const t of add) {
    const at = out.findIndex((o) => o.Key === t.Key);
    if (at >= 0) out[at] = { ...t };
    else out.push({ ...t });
  }
  checkTags(out);
  return out;
}
