import type { Cause } from './names.js';

/** A metav1.LabelSelector (matchLabels and matchExpressions) as a test of labels. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function matchesSelector(s: LabelSelectorSpec | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!s) return false;
  for (const [k, v] of Object.entries(s.matchLabels ?? {}))
    if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const v = has ? labels[e.key] : undefined;
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(v as string)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(v as string)
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

/** The API server's checks of a workload's selector against its pod template's labels. */
export function selectorCauses(
  selector: LabelSelectorSpec | undefined,
  templateLabels: Record<string, string> | undefined,
): Cause[] {
  const empty =
    !selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length);
  if (empty)
    return [{ field: 'spec.selector', message: 'Invalid value: "null": empty selector is invalid for deployment' }];
  if (!matchesSelector(selector, templateLabels ?? {}))
    return [
      {
        field: 'spec.template.metadata.labels',
        message: `Invalid value: ${JSON.stringify(templateLabels ?? {})}: \`selector\` does not match template \`labels\``,
      },
    ];
  return [];
}

/** The selector as a label selector string (status.selector of a Scale: `app=web,tier in (a,b)`). */
export function selectorString(s: LabelSelectorSpec): string {
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
