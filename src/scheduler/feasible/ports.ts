import type { Checker } from '../types.js';

/** A fixed host port can be bound once per instance and protocol. */
export const ports: Checker = (inst, task) =>
  task.ports.some((p) => inst.usedPorts.includes(p)) ? 'RESOURCE:PORTS' : undefined;
