import type { Checker } from '../types.js';

export const memory: Checker = (inst, task) => (task.memory <= inst.remaining.memory ? undefined : 'RESOURCE:MEMORY');
