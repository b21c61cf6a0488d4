import type { Checker } from '../types.js';

export const cpu: Checker = (inst, task) => (task.cpu <= inst.remaining.cpu ? undefined : 'RESOURCE:CPU');
