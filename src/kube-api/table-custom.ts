import type { KindDef, KubeObject } from '../kube/index.js';
import { AGE, humanDuration, NAME, type Column } from './table-columns.js';

/**
 * A custom kind's table: the name, then its CRD version's additionalPrinterColumns (or the age
 * when it names none), each read by the simple JSONPath the API server takes there: fields,
 * `[n]` indexes and `[?(@.field=="value")]` filters.
 */

const STEP = /^(?:\.([^.[\]]+)|\[(\d+)\]|\[\?\(@\.([^=\]]+)==(?:"([^"]*)"|'([^']*)')\)\])/;

/** The values a path reaches (several after a filter). */
export function readPath(o: unknown, path: string): unknown[] {
  let at: unknown[] = [o];
  let rest = path;
  while (rest.length) {
    const m = STEP.exec(rest);
    if (!m) return [];
    rest = rest.slice(m[0].length);
    const [, field, index, filterField, dq, sq] = m;
    const next: unknown[] = [];
    for (const v of at) {
      if (field !== undefined) {
        if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, field))
          next.push((v as Record<string, unknown>)[field]);
      } else if (index !== undefined) {
        if (Array.isArray(v) && Number(index) < v.length) next.push(v[Number(index)]);
      } else if (Array.isArray(v)) {
        const want = dq ?? sq;
        for (const e of v)
          if (
            e &&
            typeof e === 'object' &&
            Object.hasOwn(e, filterField as string) &&
            String((e as Record<string, unknown>)[filterField as string]) === want
          )
            next.push(e);
      }
    }
    at = next;
  }
  return at;
}

const TYPES = new Set(['string', 'integer', 'number', 'boolean', 'date']);

export function customColumns(kind: KindDef): Column[] {
  if (!kind.printerColumns?.length) return [NAME, AGE];
  return [
    NAME,
    ...kind.printerColumns.map((c): Column => ({
      name: c.name,
      type: (TYPES.has(c.type) ? c.type : 'string') as Column['type'],
      ...(c.format ? { format: c.format } : {}),
      description: c.description ?? '',
      ...(c.priority ? { priority: c.priority } : {}),
      cell: (o: KubeObject, now: number) => {
        const values = readPath(o, c.jsonPath);
        if (!values.length) return null;
        const v = values[0];
        if (c.type === 'date' && typeof v === 'string') {
          const t = Date.parse(v);
          return Number.isNaN(t) ? v : humanDuration(now - t);
        }
        return typeof v === 'object' ? JSON.stringify(v) : v;
      },
    })),
  ];
}
