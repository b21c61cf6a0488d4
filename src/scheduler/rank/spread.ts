import type { InstanceView, TaskRequest } from '../types.js';

/** The value an instance has for a spread field; `instanceId` is the instance itself. */
export function spreadValue(inst: InstanceView, field: string): string {
  if (field === 'instanceId') return inst.id;
  const name = field.startsWith('attribute:') ? field.slice('attribute:'.length) : field;
  return inst.attributes[name] ?? '';
}

/**
 * spread: prefer the value of the field that holds the fewest tasks of the group so far
 * (lower is better), counting over every instance that shares the value.
 */
export function spread(inst: InstanceView, field: string, task: TaskRequest, all: readonly InstanceView[]): number {
  const value = spreadValue(inst, field);
  let n = 0;
  for (const other of all) {
    if (spreadValue(other, field) !== value) continue;
    for (const g of other.taskGroups) if (g === task.group) n++;
  }
  return n;
}
