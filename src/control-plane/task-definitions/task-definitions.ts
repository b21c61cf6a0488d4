import { invalidParameter } from '../../kernel/index.js';
import { taskDefinitionArn } from '../arns.js';
import { now, type ControlPlaneDeps } from '../deps.js';
import { families, taskDefinitionKey, taskDefinitions, type Tag, type TaskDefinitionRecord } from '../tables.js';
import { requiredAttributes, validateTaskDefinition } from './validate.js';

const unableToDescribe = () =>
  invalidParameter('Unable to describe task definition.', {
    reason: 'definition-invalid',
    resource: 'task-definition',
  });

/** Registers the next revision of a family; the input is kept verbatim for DescribeTaskDefinition. */
export async function registerTaskDefinition(
  deps: ControlPlaneDeps,
  input: Record<string, unknown> & { family: string; tags?: Tag[] },
  registeredBy?: string,
): Promise<TaskDefinitionRecord> {
  const checked = validateTaskDefinition(input);
  const { tags, ...definition } = input;
  return await deps.store.transact((tx) => {
    const fam = tx.get(families, input.family)?.value ?? {
      family: input.family,
      latestRevision: 0,
      activeRevisions: 0,
    };
    const revision = fam.latestRevision + 1;
    const rec: TaskDefinitionRecord = {
      family: input.family,
      revision,
      arn: taskDefinitionArn(deps, input.family, revision),
      status: 'ACTIVE',
      input: definition,
      tags: tags ?? [],
      requiresAttributes: requiredAttributes(input, checked.networkMode),
      // ECS Anywhere (EXTERNAL) has no awsvpc.
      compatibilities: [
        'EC2',
        ...(checked.networkMode !== 'awsvpc' ? ['EXTERNAL'] : []),
        ...(checked.fargateCompatible ? ['FARGATE'] : []),
      ],
      registeredAt: now(deps),
      ...(registeredBy ? { registeredBy } : {}),
      ...(checked.cpuUnits !== undefined ? { cpuUnits: checked.cpuUnits } : {}),
      ...(checked.memoryMiB !== undefined ? { memoryMiB: checked.memoryMiB } : {}),
    };
    tx.put(families, { family: input.family, latestRevision: revision, activeRevisions: fam.activeRevisions + 1 });
    return tx.put(taskDefinitions, rec).value;
  });
}

/** `family` (its latest active revision), `family:revision`, or a task definition ARN. */
export function resolveTaskDefinition(deps: ControlPlaneDeps, ref: string): TaskDefinitionRecord {
  const m = /^(?:arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\/)?([a-zA-Z0-9_-]+)(?::(\d+))?$/.exec(ref);
  if (!m) throw unableToDescribe();
  const family = m[1] as string;
  const rec = deps.store.read((tx) => {
    if (m[2] !== undefined) return tx.get(taskDefinitions, taskDefinitionKey(family, m[2]))?.value;
    const active = tx.list(taskDefinitions, { prefix: `${family}/` }).filter((e) => e.value.status === 'ACTIVE');
    return active[active.length - 1]?.value;
  });
  if (!rec || rec.status === 'DELETE_IN_PROGRESS') throw unableToDescribe();
  return rec;
}

export function listTaskDefinitions(
  deps: ControlPlaneDeps,
  options: { familyPrefix?: string; status?: string; sort?: string },
): TaskDefinitionRecord[] {
  const status = options.status ?? 'ACTIVE';
  const all = deps.store
    // familyPrefix names a whole family here (ListTaskDefinitionFamilies is the prefix one).
    .read((tx) => tx.list(taskDefinitions, options.familyPrefix ? { prefix: `${options.familyPrefix}/` } : {}))
    .map((e) => e.value)
    .filter((t) => t.status === status);
  return options.sort === 'DESC' ? all.reverse() : all;
}

export function listFamilies(deps: ControlPlaneDeps, options: { familyPrefix?: string; status?: string }): string[] {
  const status = options.status ?? 'ACTIVE';
  return deps.store
    .read((tx) => tx.list(families, options.familyPrefix ? { prefix: options.familyPrefix } : {}))
    .map((e) => e.value)
    .filter((f) => status === 'ALL' || (status === 'ACTIVE' ? f.activeRevisions > 0 : f.activeRevisions === 0))
    .map((f) => f.family);
}

export async function deregisterTaskDefinition(deps: ControlPlaneDeps, ref: string): Promise<TaskDefinitionRecord> {
  if (!/:\d+$/.test(ref)) {
    throw invalidParameter('A revision is required: use family:revision or the full ARN.', {
      reason: 'definition-invalid',
      field: 'taskDefinition',
    });
  }
  const rec = resolveTaskDefinition(deps, ref);
  if (rec.status !== 'ACTIVE') return rec;
  return await deps.store.transact((tx) => {
    const fam = tx.get(families, rec.family)?.value;
    if (fam) tx.put(families, { ...fam, activeRevisions: Math.max(0, fam.activeRevisions - 1) });
    return tx.put(taskDefinitions, { ...rec, status: 'INACTIVE' as const, deregisteredAt: now(deps) }).value;
  });
}

/** DeleteTaskDefinitions: only inactive revisions; each refusal is a failure, not an error. */
export async function deleteTaskDefinitions(deps: ControlPlaneDeps, refs: string[]) {
  const deleted: TaskDefinitionRecord[] = [];
  const failures: { arn: string; reason: string }[] = [];
  for (const ref of refs) {
    let rec: TaskDefinitionRecord;
    try {
      rec = resolveTaskDefinition(deps, ref);
    } catch {
      failures.push({ arn: ref, reason: 'The specified task definition does not exist.' });
      continue;
    }
    if (rec.status === 'ACTIVE') {
      failures.push({
        arn: rec.arn,
        reason: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.',
      });
      continue;
    }
    deleted.push(
      await deps.store.transact(
        (tx) =>
          tx.put(taskDefinitions, { ...rec, status: 'DELETE_IN_PROGRESS' as const, deleteRequestedAt: now(deps) })
            .value,
      ),
    );
  }
  return { deleted, failures };
}
