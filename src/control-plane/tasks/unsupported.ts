import { invalidParameter } from '../../kernel/index.js';
import type { TaskDefinitionRecord } from '../tables.js';

type Json = Record<string, unknown>;
const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;

/**
 * Fields that change what a task runs with and that berth cannot honour yet: a task that names
 * one is refused, naming the field, rather than run without the variables, credentials or
 * session it expects. (`environmentFiles` and ECS Exec are later work; secrets from SSM Parameter
 * Store and Secrets Manager, registry credentials (`repositoryCredentials`) and task roles are served.)
 */
export function refuseUnsupported(
  td: TaskDefinitionRecord,
  o: { overrides?: Json; enableExecuteCommand?: boolean },
): void {
  const refuse = (field: string, what: string) => {
    throw invalidParameter(
      `${field}: berth does not support ${what} yet; the task is refused rather than run without it.`,
      { field },
    );
  };
  const input = td.input;
  if (o.enableExecuteCommand === true) refuse('enableExecuteCommand', 'ECS Exec');
  const containers = Array.isArray(input['containerDefinitions']) ? (input['containerDefinitions'] as Json[]) : [];
  containers.forEach((c, i) => {
    // Secrets from SSM Parameter Store and Secrets Manager are handed to the task (host-tasks.ts).
    const secrets = Array.isArray(c['secrets']) ? (c['secrets'] as Json[]) : [];
    secrets.forEach((s, j) => {
      const from = typeof s['valueFrom'] === 'string' ? s['valueFrom'] : '';
      const service = from.startsWith('arn:') ? from.split(':')[2] : 'ssm';
      if (service !== 'ssm' && service !== 'secretsmanager')
        refuse(`containerDefinitions[${i}].secrets[${j}].valueFrom`, `secrets from the '${service}' service`);
    });
    if (nonEmpty(c['environmentFiles']))
      refuse(`containerDefinitions[${i}].environmentFiles`, 'environment files from S3');
  });
  const overrides = Array.isArray(o.overrides?.['containerOverrides'])
    ? (o.overrides['containerOverrides'] as Json[])
    : [];
  overrides.forEach((c, i) => {
    if (nonEmpty(c['environmentFiles']))
      refuse(`overrides.containerOverrides[${i}].environmentFiles`, 'environment files from S3');
  });
}
