import type { Checker } from '../types.js';

/** distinctInstance: no two tasks of the group on one instance. */
export const distinctInstance: Checker = (inst, task) =>
  task.constraints.some((c) => c.type === 'distinctInstance') && (inst.taskGroups[task.group] ?? 0) > 0
    ? 'ATTRIBUTE'
    : undefined;
