import { assumeRole } from '../iam/index.js';
import { isBerthError } from '../kernel/index.js';
import type { RoleCredentials } from '../wire/index.js';
import type { ControlPlaneDeps } from './deps.js';
import { placedHere } from './host-tasks.js';
import { workloads } from './tables.js';

/** How long a task role's credentials last; the host asks again well before they run out. */
const SESSION_SECONDS = 3600;

/**
 * A task role's temporary credentials for a host that asks for one of its own tasks: the role is
 * assumed as ECS assumes it (the `ecs-tasks.amazonaws.com` service, the task id as the session
 * name), so the role's trust policy decides. Only a task placed on the asking host is answered.
 */
export async function taskRoleCredentials(
  deps: ControlPlaneDeps,
  host: { cluster?: string; id: string; fleet: boolean },
  taskId: string,
): Promise<{ credentials: RoleCredentials } | { error: string }> {
  const here = placedHere(deps, host, taskId);
  if (!here) return { error: `task ${taskId} is not placed on this host` };
  const identity = deps.store.read((tx) => tx.get(workloads, `${here.cluster}/${taskId}`))?.value.spec.sandbox.identity;
  if (!identity) return { error: `task ${taskId} has no task role` };
  if (!deps.iam) return { error: 'task roles are not served by this control plane' };
  try {
    const r = await assumeRole(
      deps.iam,
      { service: 'ecs-tasks.amazonaws.com' },
      { roleArn: identity.role, sessionName: taskId, durationSeconds: SESSION_SECONDS },
    );
    return {
      credentials: {
        roleArn: identity.role,
        accessKeyId: r.credentials.accessKeyId,
        secretAccessKey: r.credentials.secretAccessKey,
        sessionToken: r.credentials.sessionToken,
        expiration: r.credentials.expiration.getTime(),
      },
    };
  } catch (e) {
    return { error: isBerthError(e) ? e.message : 'the role could not be assumed' };
  }
}
