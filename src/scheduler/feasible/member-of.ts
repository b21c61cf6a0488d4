import { evaluateQuery } from '../query/evaluate.js';
import type { Checker } from '../types.js';

/** Every memberOf constraint's expression must hold for the instance. */
export const memberOf: Checker = (inst, task) =>
  task.constraints.every((c) => c.type !== 'memberOf' || evaluateQuery(c.expression, inst)) ? undefined : 'ATTRIBUTE';
