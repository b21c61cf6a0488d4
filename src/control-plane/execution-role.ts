import {
  decider,
  refusalMessage,
  roleOfArn,
  serviceMayAssume,
  sessionPrincipal,
  type ResourceDecider,
} from '../iam/index.js';
import { parseImageRef } from '../kernel/index.js';
import type { ReadTx } from '../store/index.js';
import { taskDefinitionOfArn } from './arns.js';
import type { ControlPlaneDeps } from './deps.js';
import { taskDefinitionKey, taskDefinitions, type TaskRecord } from './tables.js';

/** Whether a secret reference names Secrets Manager (else it is an SSM parameter's name or ARN). */
export const isSecretsManager = (ref: string) => /^arn:[^:]+:secretsmanager:/.test(ref);

/** The resource IAM names for a secret reference: the parameter's or the secret's ARN, without selectors. */
function secretResource(deps: ControlPlaneDeps, ref: string): string {
  if (isSecretsManager(ref)) return ref.split(':').slice(0, 7).join(':');
  if (ref.startsWith('arn:')) return ref.replace(/(:parameter\/[^:]*):.*$/, '$1');
  const name = ref.split(':')[0] as string;
  return `arn:aws:ssm:${deps.region}:${deps.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
}

type Session = ReturnType<typeof sessionPrincipal>;

/**
 * The session ECS's agent would hold for a task's execution resources: the task definition's
 * execution role, assumed by ECS with the task id as the session's name, and what it may do.
 * `none` when the task definition names no execution role; `refused` when ECS may not assume it.
 */
function executionSession(
  deps: ControlPlaneDeps,
  tx: ReadTx,
  t: TaskRecord,
):
  | { kind: 'none' }
  | { kind: 'refused'; roleArn: string }
  | { kind: 'session'; session: Session; can: (action: string) => ResourceDecider } {
  const iam = deps.iam;
  if (!iam) return { kind: 'none' };
  const { family, revision } = taskDefinitionOfArn(t.taskDefinitionArn);
  const input = tx.get(taskDefinitions, taskDefinitionKey(family, revision))?.value.input;
  const roleArn = typeof input?.['executionRoleArn'] === 'string' ? input['executionRoleArn'] : undefined;
  if (!roleArn) return { kind: 'none' };
  const role = roleOfArn(iam, roleArn);
  if (!role || !serviceMayAssume(iam, roleArn, 'ecs-tasks.amazonaws.com')) return { kind: 'refused', roleArn };
  const session = sessionPrincipal(iam, role, t.id, role.tags);
  const decide = decider(iam, session);
  const context = new Map([
    ['aws:principalarn', role.arn],
    ['aws:requestedregion', deps.region],
  ]);
  return { kind: 'session', session, can: (action) => decide(action, context) };
}

/**
 * In strict mode a task's secrets are retrieved as its execution role, as ECS's agent does: the
 * role must be one ECS may assume, and its policies must allow `ssm:GetParameters` or
 * `secretsmanager:GetSecretValue` on each secret. Undefined when that holds (or IAM is not
 * enforced); else why not, in the words ECS's agent reports after `execution resource retrieval
 * failed:`.
 */
export function secretsRefusal(deps: ControlPlaneDeps, tx: ReadTx, t: TaskRecord, refs: string[]): string | undefined {
  if (!deps.enforceIam || !deps.iam || refs.length === 0) return undefined;
  const x = executionSession(deps, tx, t);
  if (x.kind === 'none') return `the task definition names no executionRoleArn to retrieve its secrets with`;
  if (x.kind === 'refused') return `ECS was unable to assume the execution role '${x.roleArn}'`;
  for (const ref of refs) {
    const asm = isSecretsManager(ref);
    const action = asm ? 'secretsmanager:GetSecretValue' : 'ssm:GetParameters';
    const resource = secretResource(deps, ref);
    const d = x.can(action)(resource);
    if (d === 'Allow') continue;
    const denied = `AccessDeniedException: ${refusalMessage(x.session, action, resource, d)}`;
    return asm
      ? `unable to retrieve secret from asm: failed to fetch secret ${resource} from secrets manager: ${denied}`
      : `unable to retrieve secrets from ssm: ${denied}`;
  }
  return undefined;
}

/** ECS's agent's words before any reason its execution resources could not be had. */
export const EXECUTION_RESOURCES_FAILED =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed:';

/**
 * In strict mode, an image in berth's own registry is pulled as the task's execution role, as
 * ECS's agent pulls from ECR: the role must allow `ecr:GetAuthorizationToken` (else
 * ResourceInitializationError, before any pull) and `ecr:BatchGetImage` and
 * `ecr:GetDownloadUrlForLayer` on the repository (else the registry's 403, as
 * CannotPullContainerError). A task definition without an execution role pulls with its host's
 * own credentials (an EC2 instance's role), as ECS does. Undefined when the pull may go ahead.
 */
export function imagePullRefusal(
  deps: ControlPlaneDeps,
  tx: ReadTx,
  t: TaskRecord,
  images: readonly string[],
): string | undefined {
  if (!deps.enforceIam || !deps.iam || !deps.registryHosts) return undefined;
  const hosts = deps.registryHosts();
  const own = images.flatMap((i) => {
    const p = parseImageRef(i);
    return hosts.includes(p.registry) ? [{ image: i, ...p }] : [];
  });
  if (own.length === 0) return undefined;
  const x = executionSession(deps, tx, t);
  if (x.kind === 'none') return undefined;
  if (x.kind === 'refused')
    return `${EXECUTION_RESOURCES_FAILED} unable to retrieve ecr registry auth: ECS was unable to assume the execution role '${x.roleArn}'`;
  const auth = x.can('ecr:GetAuthorizationToken')('*');
  if (auth !== 'Allow')
    return `${EXECUTION_RESOURCES_FAILED} unable to retrieve ecr registry auth: AccessDeniedException: ${refusalMessage(x.session, 'ecr:GetAuthorizationToken', '*', auth)}`;
  for (const i of own) {
    const repo = `arn:aws:ecr:${deps.region}:${deps.accountId}:repository/${i.repository}`;
    for (const action of ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'])
      if (x.can(action)(repo) !== 'Allow')
        return `CannotPullContainerError: failed to resolve ref ${i.image}: pulling from host ${i.registry} failed with status code [manifests ${i.reference}]: 403 Forbidden (the execution role may not ${action} on ${repo})`;
  }
  return undefined;
}
