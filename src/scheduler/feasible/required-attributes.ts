import type { Checker } from '../types.js';

/** The task definition's requiresAttributes (capabilities, custom attributes) must all be present. */
export const requiredAttributes: Checker = (inst, task) =>
  task.requiredAttributes.every(
    (a) => a.name in inst.attributes && (a.value === undefined || inst.attributes[a.name] === a.value),
  )
    ? undefined
    : 'ATTRIBUTE';
