import { invalidParameter } from '../../kernel/index.js';

/** One rule of an ECR lifecycle policy, as its JSON document states it. */
export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: {
    tagStatus: 'tagged' | 'untagged' | 'any';
    tagPrefixList?: string[];
    tagPatternList?: string[];
    countType: 'imageCountMoreThan' | 'sinceImagePushed';
    countUnit?: 'days';
    countNumber: number;
  };
  action: { type: 'expire' };
}

export interface LifecyclePolicy {
  rules: LifecycleRule[];
}

const fail = (why: string) =>
  invalidParameter(
    `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${why}'`,
    { field: 'lifecyclePolicyText' },
  );

const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0);

/** Parses a lifecycle policy and checks it the way ECR does before accepting it. */
export function parseLifecyclePolicy(text: string): LifecyclePolicy {
  let doc: { rules?: unknown };
  try {
    doc = JSON.parse(text) as { rules?: unknown };
  } catch {
    throw fail('the policy is not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.rules) || doc.rules.length === 0) {
    throw fail("the policy must have a non-empty 'rules' array");
  }
  const rules = doc.rules.map((r, i) => checkRule(r as Record<string, unknown>, i));
  const priorities = new Set(rules.map((r) => r.rulePriority));
  if (priorities.size !== rules.length) throw fail('rulePriority values must be unique');
  const sorted = [...rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const anyIndex = sorted.findIndex((r) => r.selection.tagStatus === 'any');
  if (anyIndex >= 0 && anyIndex !== sorted.length - 1) {
    throw fail("a rule with tagStatus 'any' must have the highest rulePriority");
  }
  if (rules.filter((r) => r.selection.tagStatus === 'untagged').length > 1) {
    throw fail('only one rule may select untagged images');
  }
  const prefixSets = rules
    .filter((r) => r.selection.tagPrefixList)
    .map((r) => JSON.stringify([...(r.selection.tagPrefixList ?? [])].sort()));
  if (new Set(prefixSets).size !== prefixSets.length) throw fail('the rules must have unique sets of tag prefixes');
  return { rules: sorted };
}

function checkRule(r: Record<string, unknown>, i: number): LifecycleRule {
  const where = `rules[${i}]`;
  if (!Number.isInteger(r.rulePriority) || (r.rulePriority as number) < 1)
    throw fail(`${where}.rulePriority must be a positive integer`);
  const sel = r.selection as Record<string, unknown> | undefined;
  if (!sel || typeof sel !== 'object') throw fail(`${where}.selection is required`);
  const status = sel.tagStatus;
  if (status !== 'tagged' && status !== 'untagged' && status !== 'any') {
    throw fail(`${where}.selection.tagStatus must be one of tagged, untagged, any`);
  }
  const hasPrefix = sel.tagPrefixList !== undefined;
  const hasPattern = sel.tagPatternList !== undefined;
  if (status === 'tagged' && !hasPrefix && !hasPattern) {
    throw fail(`${where}: tagPrefixList or tagPatternList is required when tagStatus is tagged`);
  }
  if (status !== 'tagged' && (hasPrefix || hasPattern)) {
    throw fail(`${where}: tagPrefixList and tagPatternList are only allowed when tagStatus is tagged`);
  }
  if (hasPrefix && hasPattern) throw fail(`${where}: use tagPrefixList or tagPatternList, not both`);
  if (hasPrefix && !isStringList(sel.tagPrefixList))
    throw fail(`${where}.selection.tagPrefixList must be a list of strings`);
  if (hasPattern) {
    if (!isStringList(sel.tagPatternList)) throw fail(`${where}.selection.tagPatternList must be a list of strings`);
    for (const p of sel.tagPatternList) {
      if ((p.match(/\*/g) ?? []).length > 4) throw fail(`${where}: tag pattern '${p}' has more than four wildcards`);
    }
  }
  if (sel.countType !== 'imageCountMoreThan' && sel.countType !== 'sinceImagePushed') {
    throw fail(`${where}.selection.countType must be imageCountMoreThan or sinceImagePushed`);
  }
  if (!Number.isInteger(sel.countNumber) || (sel.countNumber as number) < 1) {
    throw fail(`${where}.selection.countNumber must be a positive integer`);
  }
  if (sel.countType === 'sinceImagePushed' && sel.countUnit !== 'days') {
    throw fail(`${where}.selection.countUnit must be 'days' when countType is sinceImagePushed`);
  }
  if (sel.countType === 'imageCountMoreThan' && sel.countUnit !== undefined) {
    throw fail(`${where}.selection.countUnit is only allowed when countType is sinceImagePushed`);
  }
  const action = r.action as { type?: unknown } | undefined;
  if (action?.type !== 'expire') throw fail(`${where}.action.type must be 'expire'`);
  return r as unknown as LifecycleRule;
}
