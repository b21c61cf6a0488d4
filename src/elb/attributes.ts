import { invalidParameter } from '../kernel/index.js';

export interface AttributeInput {
  Key?: string;
  Value?: string;
}

const KEY = /^[a-z0-9_.]{1,256}$/;
// Attributes whose values are whole seconds (ELB refuses anything else for them).
const SECONDS = new Set([
  'deregistration_delay.timeout_seconds',
  'idle_timeout.timeout_seconds',
  'slow_start.duration_seconds',
]);

/**
 * A resource's attributes after a Modify…Attributes call: only the keys its kind has (`known`),
 * values as strings, durations whole seconds; refused whole at the first bad one.
 */
export function mergeAttributes(
  kind: string,
  current: Readonly<Record<string, string>>,
  known: Readonly<Record<string, string>>,
  attrs: readonly AttributeInput[],
): Record<string, string> {
  const next = { ...current };
  for (const [i, a] of attrs.entries()) {
    const key = a.Key ?? '';
    const field = `Attributes.member.${i + 1}`;
    if (!KEY.test(key) || !Object.hasOwn(known, key))
      throw invalidParameter(`${kind} attribute key '${key}' is not recognized`, { field: `${field}.Key` });
    if (SECONDS.has(key) && !/^\d{1,6}$/.test(a.Value ?? ''))
      throw invalidParameter(`'${a.Value ?? ''}' must be a number of seconds`, { field: `${field}.Value` });
    next[key] = a.Value ?? '';
  }
  return next;
}
