import { invalidParameter } from '../kernel/index.js';
import type { IamDeps } from './deps.js';
import { checkName } from './parameters.js';
import { parameters, type ParameterRecord } from './tables.js';

/** A DescribeParameters / GetParametersByPath filter (ParameterStringFilter). */
export interface ParameterFilter {
  key: string;
  option?: string;
  values?: string[];
}

const badFilter = (message: string, reason: 'filter-key' | 'filter-option' | 'filter-value') =>
  invalidParameter(message, { field: 'ParameterFilters', reason });

/** Whether `name` lies under `path`: directly (one level), or anywhere below when recursive. */
export function underPath(name: string, path: string, recursive: boolean): boolean {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  if (!name.startsWith(prefix) || name.length === prefix.length) return false;
  return recursive || !name.slice(prefix.length).includes('/');
}

const lastLabels = (p: ParameterRecord) => p.versions.flatMap((v) => v.labels);

/**
 * One filter as a predicate. Keys berth knows: Name (Equals, BeginsWith, Contains), Type, KeyId,
 * Tier, DataType, Label (Equals), Path (OneLevel, Recursive) and `tag:<key>`; any other key is
 * refused with InvalidFilterKey rather than ignored.
 */
function predicate(f: ParameterFilter, allowed: ReadonlySet<string>): (p: ParameterRecord) => boolean {
  const values = f.values ?? [];
  const isTag = f.key.startsWith('tag:');
  if (!isTag && !allowed.has(f.key)) throw badFilter(`The filter key ${f.key} is not valid here.`, 'filter-key');
  const option = f.option ?? (f.key === 'Path' ? 'OneLevel' : 'Equals');
  const options: Record<string, string[]> = {
    Name: ['Equals', 'BeginsWith', 'Contains'],
    Path: ['OneLevel', 'Recursive'],
  };
  if (!(options[f.key] ?? ['Equals']).includes(option))
    throw badFilter(`The filter option ${option} is not valid for key ${f.key}.`, 'filter-option');
  if (isTag) {
    const key = f.key.slice(4);
    return (p) => p.tags.some((t) => t.key === key && (values.length === 0 || values.includes(t.value)));
  }
  if (values.length === 0 && f.key !== 'Path') throw badFilter(`The filter ${f.key} needs values.`, 'filter-value');
  switch (f.key) {
    case 'Name':
      return (p) => {
        const n = p.name.replace(/^\//, '');
        return values.some((v) => {
          const w = v.replace(/^\//, '');
          return option === 'Equals' ? n === w : option === 'BeginsWith' ? n.startsWith(w) : n.includes(w);
        });
      };
    case 'Path':
      return (p) => values.some((v) => underPath(p.name, v, option === 'Recursive'));
    case 'Type':
      return (p) => values.includes(p.type);
    case 'KeyId':
      return (p) => p.keyId !== undefined && values.includes(p.keyId);
    case 'Tier':
      return (p) => values.includes(p.tier);
    case 'DataType':
      return (p) => values.includes(p.dataType);
    case 'Label':
      return (p) => lastLabels(p).some((l) => values.includes(l));
    default:
      throw badFilter(`The filter key ${f.key} is not valid here.`, 'filter-key');
  }
}

const DESCRIBE_KEYS = new Set(['Name', 'Path', 'Type', 'KeyId', 'Tier', 'DataType', 'Label']);
// GetParametersByPath takes the path itself; its filters may not name one.
const BY_PATH_KEYS = new Set(['Type', 'KeyId', 'Label', 'Tier', 'DataType']);

const all = (deps: IamDeps): ParameterRecord[] => deps.store.read((tx) => tx.list(parameters)).map((e) => e.value);

/** DescribeParameters: every parameter the filters keep, by name. */
export function describeParameters(deps: IamDeps, filters: ParameterFilter[] = []): ParameterRecord[] {
  const keep = filters.map((f) => predicate(f, DESCRIBE_KEYS));
  return all(deps).filter((p) => keep.every((k) => k(p)));
}

/** GetParametersByPath: the parameters under a path (one level, or all below), filtered. */
export function parametersByPath(
  deps: IamDeps,
  path: string,
  recursive: boolean,
  filters: ParameterFilter[] = [],
): ParameterRecord[] {
  if (!path.startsWith('/'))
    throw invalidParameter('The parameter path must begin with a forward slash (/).', { field: 'Path' });
  if (path !== '/') checkName(path.replace(/\/$/, ''), 'Path');
  const keep = filters.map((f) => predicate(f, BY_PATH_KEYS));
  return all(deps).filter((p) => underPath(p.name, path, recursive) && keep.every((k) => k(p)));
}
