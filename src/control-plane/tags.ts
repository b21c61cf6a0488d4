import { clusterFromArn } from './arns.js';
import type { ControlPlaneDeps } from './deps.js';
import { services } from './services/model.js';
import { clusters, containerInstances, taskDefinitionKey, taskDefinitions, tasks, type Tag } from './tables.js';
import { invalidParameter, notFound } from '../kernel/index.js';
import type { TableDef } from '../store/index.js';

type Tagged = { tags: Tag[] };

/** The store row an ECS ARN names, for tagging: cluster, task definition, task or container instance. */
function locate(arn: string): { table: TableDef<Tagged>; key: string } {
  const m = /^arn:[^:]+:ecs:[^:]*:[^:]*:([a-z-]+)\/(.+)$/.exec(arn);
  if (!m) throw invalidParameter(`The ARN '${arn}' is not a valid ECS resource ARN.`, { field: 'resourceArn' });
  const [, kind, rest] = m as unknown as [string, string, string];
  switch (kind) {
    case 'cluster':
      return { table: clusters as unknown as TableDef<Tagged>, key: rest };
    case 'task-definition': {
      const [family, revision] = rest.split(':') as [string, string];
      return {
        table: taskDefinitions as unknown as TableDef<Tagged>,
        key: taskDefinitionKey(family, revision ?? ''),
      };
    }
    case 'service': {
      const [cluster, name] = rest.split('/');
      if (!cluster || !name) break;
      return { table: services as unknown as TableDef<Tagged>, key: `${cluster}/${name}` };
    }
    case 'task':
    case 'container-instance':
      if (!clusterFromArn(arn)) break;
      return { table: (kind === 'task' ? tasks : containerInstances) as unknown as TableDef<Tagged>, key: rest };
  }
  throw invalidParameter(`Tagging is not supported for '${arn}'.`, { field: 'resourceArn' });
}

export async function updateTags(deps: ControlPlaneDeps, arn: string, change: (tags: Tag[]) => Tag[]): Promise<Tag[]> {
  const { table, key } = locate(arn);
  return await deps.store.transact((tx) => {
    const cur = tx.get(table, key)?.value;
    if (!cur) throw notFound('The specified resource is not found.', { resource: 'tagged' });
    const next = change(cur.tags ?? []);
    if (next === cur.tags) return next; // a read: no write, no new revision
    if (next.length > 50) throw invalidParameter('A resource can have at most 50 tags.', { field: 'tags' });
    tx.put(table, { ...cur, tags: next });
    return next;
  });
}

/** An ECS resource's tags by ARN, for authorization (`aws:ResourceTag/…`); undefined for no such resource. */
export function tagsOfArn(deps: ControlPlaneDeps, arn: string): readonly Tag[] | undefined {
  let at: { table: TableDef<Tagged>; key: string };
  try {
    at = locate(arn);
  } catch {
    return undefined;
  }
  return deps.store.read((tx) => tx.get(at.table, at.key)?.value.tags ?? undefined);
}
