import type { KubeObject } from '../kube/index.js';
import { AGE, NAME, type Column } from './table-columns.js';

/** RBAC's columns, as the API server prints them (`kubectl get roles,rolebindings -o wide`). */
const CREATED: Column = {
  name: 'Created At',
  type: 'date',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o) => (o['metadata'] as { creationTimestamp?: string } | undefined)?.creationTimestamp ?? '',
};
type Subject = { kind: string; name: string; namespace?: string };
const subjects = (o: KubeObject, kind: string) =>
  ((o['subjects'] ?? []) as Subject[])
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');
const BINDING: Column[] = [
  NAME,
  {
    name: 'Role',
    type: 'string',
    description: 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.',
    cell: (o) => {
      const r = o['roleRef'] as { kind?: string; name?: string } | undefined;
      return `${r?.kind ?? ''}/${r?.name ?? ''}`;
    },
  },
  AGE,
  { name: 'Users', type: 'string', priority: 1, description: 'Users in the binding', cell: (o) => subjects(o, 'User') },
  {
    name: 'Groups',
    type: 'string',
    priority: 1,
    description: 'Groups in the binding',
    cell: (o) => subjects(o, 'Group'),
  },
  {
    name: 'ServiceAccounts',
    type: 'string',
    priority: 1,
    description: 'ServiceAccounts in the binding',
    cell: (o) => subjects(o, 'ServiceAccount'),
  },
];

export const RBAC_COLUMNS: Record<string, Column[]> = {
  Role: [NAME, CREATED],
  ClusterRole: [NAME, CREATED],
  RoleBinding: BINDING,
  ClusterRoleBinding: BINDING,
};
