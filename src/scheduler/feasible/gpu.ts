import type { Checker } from '../types.js';

export const gpu: Checker = (inst, task) => (task.gpus <= inst.remaining.gpus ? undefined : 'RESOURCE:GPU');
