import { invalidParameter } from '../kernel/index.js';
import { arnParts, elbNotFound } from './arns.js';
import type { ElbDeps } from './deps.js';
import type { TableDef } from '../store/index.js';
import { listeners, loadBalancers, rules, targetGroups, type ElbTag } from './tables.js';
import { mergeTags } from './tags.js';

interface Tagged {
  arn: string;
  tags: ElbTag[];
}
// Four tables of different records that all carry an ARN and tags; a table's key function takes
// its own record, so they are held here without their record type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TableOf<_T> = TableDef<any>;

/** The table and key of a taggable ELB resource, from its ARN. */
function locate(deps: ElbDeps, arn: string): { table: TableOf<Tagged>; key: string } {
  const type = /^arn:aws:elasticloadbalancing:[^:]*:[^:]*:([a-z-]+)\//.exec(arn)?.[1];
  switch (type) {
    case 'loadbalancer':
      return { table: loadBalancers, key: arnParts(deps, arn, 'load-balancer', 'ResourceArns')[1] ?? '' };
    case 'targetgroup':
      return { table: targetGroups, key: arnParts(deps, arn, 'target-group', 'ResourceArns')[0] ?? '' };
    case 'listener': {
      const p = arnParts(deps, arn, 'listener', 'ResourceArns');
      return { table: listeners, key: `${p[2] ?? ''}/${p[3] ?? ''}` };
    }
    case 'listener-rule': {
      const p = arnParts(deps, arn, 'rule', 'ResourceArns');
      return { table: rules, key: `${p[3] ?? ''}/${p[4] ?? ''}` };
    }
    default:
      throw invalidParameter(`'${arn}' is not the ARN of a resource that can be tagged`, { field: 'ResourceArns' });
  }
}

const notFoundFor = (table: TableOf<Tagged>) =>
  elbNotFound(
    table === loadBalancers
      ? 'load-balancer'
      : table === targetGroups
        ? 'target-group'
        : table === listeners
          ? 'listener'
          : 'rule',
  );

function get(deps: ElbDeps, arn: string): { table: TableOf<Tagged>; rec: Tagged } {
  const { table, key } = locate(deps, arn);
  const rec = deps.store.read((tx) => tx.get(table, key)?.value);
  if (!rec || rec.arn !== arn) throw notFoundFor(table);
  return { table, rec };
}

export async function addTags(deps: ElbDeps, arns: string[], tags: ElbTag[]): Promise<void> {
  const found = arns.map((a) => get(deps, a));
  const next = found.map(({ table, rec }) => ({ table, rec: { ...rec, tags: mergeTags(rec.tags, tags) } }));
  await deps.store.transact((tx) => {
    for (const { table, rec } of next) tx.put(table, rec);
  });
}

export async function removeTags(deps: ElbDeps, arns: string[], keys: string[]): Promise<void> {
  const found = arns.map((a) => get(deps, a));
  await deps.store.transact((tx) => {
    for (const { table, rec } of found) tx.put(table, { ...rec, tags: rec.tags.filter((t) => !keys.includes(t.Key)) });
  });
}

export function describeTags(deps: ElbDeps, arns: string[]): { arn: string; tags: ElbTag[] }[] {
  return arns.map((a) => {
    const { rec } = get(deps, a);
    return { arn: rec.arn, tags: rec.tags };
  });
}
