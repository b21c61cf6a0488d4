import type { KubeObject } from './meta.js';
import { metaOf } from './meta.js';
import type { Cause } from './names.js';

/**
 * A Job's podFailurePolicy, as the Job controller applies it to each failed pod: the first rule
 * whose exit codes (of a container that failed) or pod conditions match decides — FailJob fails
 * the Job at once, Ignore leaves the failure out of the count against backoffLimit, Count counts
 * it as any failure. A failed pod no rule matches is counted.
 */

export interface FailurePolicyRule {
  action: string;
  onExitCodes?: { containerName?: string; operator: string; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}
export interface PodFailurePolicy {
  rules: FailurePolicyRule[];
}

const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

/** The API server's checks of a Job's podFailurePolicy (`containers`: the template's container names). */
export function failurePolicyCauses(
  p: unknown,
  restartPolicy: string | undefined,
  containers: string[],
  perIndex = false,
): Cause[] {
  const f = 'spec.podFailurePolicy';
  if (!p || typeof p !== 'object' || !Array.isArray((p as PodFailurePolicy).rules))
    return [{ field: `${f}.rules`, message: 'Required value' }];
  const causes: Cause[] = [];
  if (restartPolicy !== 'Never')
    causes.push({
      field: 'spec.template.spec.restartPolicy',
      message: `Invalid value: "${String(restartPolicy)}": only "Never" is supported when podFailurePolicy is specified`,
    });
  const rules = (p as PodFailurePolicy).rules;
  if (rules.length > 20)
    causes.push({ field: `${f}.rules`, message: `Too many: ${rules.length}: must have at most 20 items` });
  rules.forEach((r, i) => {
    const at = `${f}.rules[${i}]`;
    // FailIndex is an action only where indexes have their own backoff limit.
    const actions = perIndex ? ACTIONS : ACTIONS.filter((a) => a !== 'FailIndex');
    if (!actions.includes(r.action))
      causes.push({
        field: `${at}.action`,
        message: `Unsupported value: ${JSON.stringify(r.action)}: supported values: ${actions.map((a) => `"${a}"`).join(', ')}`,
      });
    if (r.onExitCodes && r.onPodConditions?.length)
      causes.push({
        field: at,
        message: 'Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
      });
    else if (!r.onExitCodes && !r.onPodConditions?.length)
      causes.push({
        field: at,
        message: 'Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
      });
    const e = r.onExitCodes;
    if (e) {
      if (e.operator !== 'In' && e.operator !== 'NotIn')
        causes.push({
          field: `${at}.onExitCodes.operator`,
          message: `Unsupported value: ${JSON.stringify(e.operator)}: supported values: "In", "NotIn"`,
        });
      const values = Array.isArray(e.values) ? e.values : [];
      if (!values.length || values.length > 255)
        causes.push({
          field: `${at}.onExitCodes.values`,
          message: 'Invalid value: must have between 1 and 255 values',
        });
      values.forEach((v, j) => {
        if (j > 0 && v <= (values[j - 1] as number))
          causes.push({ field: `${at}.onExitCodes.values[${j}]`, message: `Invalid value: ${v}: must be ordered` });
        if (v === 0 && e.operator === 'In')
          causes.push({
            field: `${at}.onExitCodes.values[${j}]`,
            message: 'Invalid value: 0: must not be 0 for the In operator',
          });
      });
      if (e.containerName !== undefined && !containers.includes(e.containerName))
        causes.push({
          field: `${at}.onExitCodes.containerName`,
          message: `Invalid value: ${JSON.stringify(e.containerName)}: must be one of the container or initContainer names in the pod template`,
        });
    }
  });
  return causes;
}

interface Terminated {
  name: string;
  exitCode: number;
}

function failedContainers(pod: KubeObject): Terminated[] {
  const st = (pod['status'] ?? {}) as Record<string, unknown>;
  const all = [
    ...((st['initContainerStatuses'] ?? []) as Record<string, unknown>[]),
    ...((st['containerStatuses'] ?? []) as Record<string, unknown>[]),
  ];
  return all
    .map((c) => ({
      name: String(c['name'] ?? ''),
      exitCode: ((c['state'] as { terminated?: { exitCode?: number } } | undefined)?.terminated?.exitCode ??
        0) as number,
    }))
    .filter((c) => c.exitCode !== 0);
}

/** The rule that decides a failed pod, with the API server's words for it; undefined: none matches (counted). */
export function matchFailurePolicy(
  policy: PodFailurePolicy,
  pod: KubeObject,
): { action: string; message: string } | undefined {
  const who = `${metaOf(pod).namespace ?? ''}/${metaOf(pod).name ?? ''}`;
  const conditions = ((pod['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ??
    []) as { type: string; status: string }[];
  for (const [i, r] of policy.rules.entries()) {
    if (r.onExitCodes) {
      const e = r.onExitCodes;
      const hit = failedContainers(pod).find(
        (c) =>
          (e.containerName === undefined || c.name === e.containerName) &&
          (e.operator === 'In') === e.values.includes(c.exitCode),
      );
      if (hit)
        return {
          action: r.action,
          message: `Container ${hit.name} for pod ${who} failed with exit code ${hit.exitCode} matching ${r.action} rule at index ${i}`,
        };
    } else {
      const hit = (r.onPodConditions ?? []).find((w) =>
        conditions.some((c) => c.type === w.type && c.status === (w.status ?? 'True')),
      );
      if (hit)
        return {
          action: r.action,
          message: `Pod ${who} has condition ${hit.type} matching ${r.action} rule at index ${i}`,
        };
    }
  }
  return undefined;
}
