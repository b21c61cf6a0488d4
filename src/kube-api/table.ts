import type { KindDef, KubeObject } from '../kube/index.js';
import { APPS_COLUMNS } from './table-apps.js';
import { AGE, NAME } from './table-columns.js';
import { CORE_COLUMNS } from './table-core.js';
import { NETWORK_COLUMNS } from './table-network.js';
import { STORAGE_COLUMNS } from './table-storage.js';
import { RBAC_COLUMNS } from './table-rbac.js';
import { customColumns } from './table-custom.js';

/**
 * `kubectl get`'s tables (meta.k8s.io/v1 Table): the server picks the columns, as the API server's
 * printers do for each kind (table-core.ts, table-apps.ts), and kubectl prints them.
 */
export { humanDuration } from './table-columns.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A list (or one object, or one watch event's object) as a Table. */
export function toTable(
  kind: KindDef,
  objects: KubeObject[],
  o: { resourceVersion?: string; continue?: string; includeObject?: IncludeObject; now: number },
): unknown {
  const columns = kind.custom
    ? customColumns(kind)
    : ((Object.hasOwn(CORE_COLUMNS, kind.kind) ? CORE_COLUMNS[kind.kind] : undefined) ??
      (Object.hasOwn(APPS_COLUMNS, kind.kind) ? APPS_COLUMNS[kind.kind] : undefined) ??
      (Object.hasOwn(NETWORK_COLUMNS, kind.kind) ? NETWORK_COLUMNS[kind.kind] : undefined) ??
      (Object.hasOwn(STORAGE_COLUMNS, kind.kind) ? STORAGE_COLUMNS[kind.kind] : undefined) ??
      (Object.hasOwn(RBAC_COLUMNS, kind.kind) ? RBAC_COLUMNS[kind.kind] : undefined) ?? [NAME, AGE]);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(o.resourceVersion ? { resourceVersion: o.resourceVersion } : {}),
      ...(o.continue ? { continue: o.continue } : {}),
    },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description,
      priority: c.priority ?? 0,
    })),
    rows: objects.map((obj) => ({
      cells: columns.map((c) => c.cell(obj, o.now)),
      ...(o.includeObject === 'None'
        ? {}
        : {
            object:
              o.includeObject === 'Object'
                ? obj
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj['metadata'] },
          }),
    })),
  };
}

/** Whether an Accept header asks for a Table first. */
export function wantsTable(accept: string | undefined): boolean {
  const first = accept?.split(',')[0]?.replace(/\s+/g, '') ?? '';
  return first.includes('as=Table') && first.includes('g=meta.k8s.io');
}
