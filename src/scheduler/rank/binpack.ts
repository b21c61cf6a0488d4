import type { InstanceView } from '../types.js';

/** binpack: the instance with the least of the field left wins (lower is better). */
export const binpack = (inst: InstanceView, field: 'cpu' | 'memory'): number => inst.remaining[field];
