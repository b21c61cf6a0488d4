import type { Cause } from './names.js';
import { parseIndexes } from './job-indexes.js';

/**
 * An Indexed Job's successPolicy: the Job has succeeded once one rule holds — its
 * succeededIndexes all succeeded (or succeededCount of them), or succeededCount indexes in all —
 * and then its pods still running are stopped.
 */
export interface SuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}
export interface SuccessPolicy {
  rules: SuccessPolicyRule[];
}

/** The API server's checks (`completions`: the Job's; the policy needs the Indexed mode). */
export function successPolicyCauses(p: unknown, indexed: boolean, completions: number | undefined): Cause[] {
  const f = 'spec.successPolicy';
  if (!indexed) return [{ field: f, message: 'Invalid value: requires indexed completion mode' }];
  const rules = (p as SuccessPolicy | null)?.rules;
  if (!Array.isArray(rules) || rules.length === 0)
    return [
      {
        field: `${f}.rules`,
        message: 'Required value: at least one rules must be specified when the successPolicy is specified',
      },
    ];
  if (rules.length > 20)
    return [{ field: `${f}.rules`, message: `Too many: ${rules.length}: must have at most 20 items` }];
  const causes: Cause[] = [];
  rules.forEach((r, i) => {
    const at = `${f}.rules[${i}]`;
    if (r.succeededIndexes === undefined && r.succeededCount === undefined) {
      causes.push({
        field: at,
        message: 'Required value: at least one of succeededCount or succeededIndexes must be specified',
      });
      return;
    }
    let size: number | undefined;
    if (r.succeededIndexes !== undefined) {
      const parsed = parseIndexes(String(r.succeededIndexes), completions ?? 0);
      if ('problem' in parsed)
        causes.push({
          field: `${at}.succeededIndexes`,
          message: `Invalid value: ${JSON.stringify(r.succeededIndexes)}: error parsing succeededIndexes: ${parsed.problem}`,
        });
      else size = parsed.indexes.length;
    }
    const n = r.succeededCount;
    if (n === undefined) return;
    if (!Number.isInteger(n) || n < 0)
      causes.push({
        field: `${at}.succeededCount`,
        message: `Invalid value: ${n}: must be greater than or equal to 0`,
      });
    else if (completions !== undefined && n > completions)
      causes.push({
        field: `${at}.succeededCount`,
        message: `Invalid value: ${n}: must be less than or equal to ${completions} (the number of specified completions)`,
      });
    else if (size !== undefined && n > size)
      causes.push({
        field: `${at}.succeededCount`,
        message: `Invalid value: ${n}: must be less than or equal to ${size} (the number of indexes in the specified succeededIndexes field)`,
      });
  });
  return causes;
}

/** The first rule the succeeded indexes meet, in the Job controller's words; undefined: none. */
export function matchSuccessPolicy(
  policy: SuccessPolicy | undefined,
  completions: number,
  succeeded: ReadonlySet<number>,
): string | undefined {
  for (const [i, r] of (policy?.rules ?? []).entries()) {
    let met: boolean;
    if (r.succeededIndexes !== undefined) {
      const parsed = parseIndexes(r.succeededIndexes, completions);
      if ('problem' in parsed) continue;
      const done = parsed.indexes.filter((x) => succeeded.has(x)).length;
      met = r.succeededCount !== undefined ? done >= r.succeededCount : done === parsed.indexes.length;
    } else met = succeeded.size >= (r.succeededCount ?? Infinity);
    if (met) return `Matched rules at index ${i}`;
  }
  return undefined;
}
