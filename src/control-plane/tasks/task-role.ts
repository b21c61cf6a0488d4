import { invalidParameter } from '../../kernel/index.js';
import { serviceMayAssume } from '../../iam/index.js';
import type { ControlPlaneDeps } from '../deps.js';
import type { TaskDefinitionRecord } from '../tables.js';

type Json = Record<string, unknown>;

/** The role a task's containers act as: its override, else its definition's. */
export function taskRoleOf(td: TaskDefinitionRecord, overrides?: Json): string | undefined {
  const o = overrides?.['taskRoleArn'];
  if (typeof o === 'string' && o !== '') return o;
  const d = td.input['taskRoleArn'];
  return typeof d === 'string' && d !== '' ? d : undefined;
}

/**
 * A task role must be one ECS may assume (its trust policy names `ecs-tasks.amazonaws.com`), as
 * ECS checks when a task is run. berth serves the credentials in a task's own network namespace
 * and, on the host's network, to the task's own processes; a task with no network (none) could
 * not reach them, and is refused.
 */
export function checkTaskRole(deps: ControlPlaneDeps, td: TaskDefinitionRecord, overrides?: Json): void {
  const role = taskRoleOf(td, overrides);
  if (!role) return;
  const field = typeof overrides?.['taskRoleArn'] === 'string' ? 'overrides.taskRoleArn' : 'taskRoleArn';
  const mode = (td.input['networkMode'] as string | undefined) ?? 'bridge';
  if (mode === 'none')
    throw invalidParameter(
      `${field}: a task in network mode none cannot reach its role's credentials; use bridge, awsvpc or host.`,
      { field },
    );
  if (!deps.iam || !serviceMayAssume(deps.iam, role, 'ecs-tasks.amazonaws.com'))
    throw invalidParameter(
      `ECS was unable to assume the role '${role}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`,
      { field },
    );
}
