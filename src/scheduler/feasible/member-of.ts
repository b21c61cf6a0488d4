import { anySubject, type Expr } from '../query/ast.js';
import { evaluateQuery } from '../query/evaluate.js';
import type { Checker } from '../types.js';

/** Whether an expression reads nothing but `attribute:` subjects (so it depends on attributes alone). */
const attributeOnly = new WeakMap<Expr, boolean>();
function onlyAttributes(e: Expr): boolean {
  let v = attributeOnly.get(e);
  if (v === undefined) attributeOnly.set(e, (v = !anySubject(e, (s) => !s.startsWith('attribute:'))));
  return v;
}

// Answers for attribute-only expressions, per attributes object: an instance's attributes change
// only when it is re-read from the store (a new object), so a fleet placed over and over again is
// evaluated once per expression.
const answers = new WeakMap<object, WeakMap<Expr, boolean>>();

function holds(e: Expr, inst: Parameters<Checker>[0]): boolean {
  if (!onlyAttributes(e)) return evaluateQuery(e, inst);
  let byExpr = answers.get(inst.attributes);
  if (!byExpr) answers.set(inst.attributes, (byExpr = new WeakMap()));
  let v = byExpr.get(e);
  if (v === undefined) byExpr.set(e, (v = evaluateQuery(e, inst)));
  return v;
}

/** Every memberOf constraint's expression must hold for the instance. */
export const memberOf: Checker = (inst, task) =>
  task.constraints.every((c) => c.type !== 'memberOf' || holds(c.expression, inst)) ? undefined : 'ATTRIBUTE';
