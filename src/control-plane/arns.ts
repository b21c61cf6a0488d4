import { formatArn, parseArn } from '../kernel/index.js';
import type { ControlPlaneDeps } from './deps.js';

/** ECS's long ARN format for every resource berth issues. */
export const ecsArn = (deps: ControlPlaneDeps, resource: string) =>
  formatArn({ service: 'ecs', region: deps.region, accountId: deps.accountId, resource });

export const clusterArn = (deps: ControlPlaneDeps, name: string) => ecsArn(deps, `cluster/${name}`);
export const taskDefinitionArn = (deps: ControlPlaneDeps, family: string, revision: number) =>
  ecsArn(deps, `task-definition/${family}:${revision}`);
export const containerInstanceArn = (deps: ControlPlaneDeps, cluster: string, id: string) =>
  ecsArn(deps, `container-instance/${cluster}/${id}`);
export const taskArn = (deps: ControlPlaneDeps, cluster: string, id: string) => ecsArn(deps, `task/${cluster}/${id}`);
export const containerArn = (deps: ControlPlaneDeps, cluster: string, taskId: string, id: string) =>
  ecsArn(deps, `container/${cluster}/${taskId}/${id}`);

/** The last path part of an ARN, or the text itself when it is a bare name or id. */
export function nameFromArnOrName(text: string): string {
  if (!text.startsWith('arn:')) return text;
  const resource = text.split(':').slice(5).join(':');
  return resource.slice(resource.lastIndexOf('/') + 1);
}

/** The cluster a cluster, task or container-instance ARN names (long format). */
export function clusterFromArn(text: string): string | undefined {
  const m = /^arn:[^:]+:ecs:[^:]*:[^:]*:(?:cluster|task|container-instance)\/([^/]+)/.exec(text);
  return m?.[1];
}

/** The family and revision a task definition ARN (`…:task-definition/<family>:<revision>`) names. */
export function taskDefinitionOfArn(arn: string): { family: string; revision: string } {
  const resource = parseArn(arn, 'taskDefinition').resource;
  const [family = '', revision = ''] = resource.slice(resource.indexOf('/') + 1).split(':');
  return { family, revision };
}
