import { own, compileWildcard, type Wildcard } from '../../kernel/index.js';
import type { Expr, QueryTarget } from './ast.js';

const compiled = new Map<string, Wildcard>();

function wildcard(pattern: string): Wildcard {
  let w = compiled.get(pattern);
  if (!w) {
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, (w = compileWildcard(pattern, { questionMark: true })));
  }
  return w;
}

function subjectValues(subject: string, t: QueryTarget): string[] | undefined {
  if (subject.startsWith('attribute:')) {
    const v = own(t.attributes, subject.slice('attribute:'.length));
    return v === undefined ? undefined : [v];
  }
  switch (subject) {
    case 'task:group':
      return Object.keys(t.taskGroups).filter((g) => (t.taskGroups[g] ?? 0) > 0);
    case 'ec2InstanceId':
      return t.ec2InstanceId === undefined ? undefined : [t.ec2InstanceId];
    case 'agentConnected':
      return [String(t.agentConnected)];
    case 'agentVersion':
      return t.agentVersion === undefined ? undefined : [t.agentVersion];
    case 'registeredAt':
      return [new Date(t.registeredAt).toISOString()];
    case 'runningTasksCount':
      return [String(t.runningTasksCount)];
    default:
      return undefined;
  }
}

function compareOrdered(subject: string, a: string, b: string): number {
  if (subject === 'registeredAt') return new Date(a).getTime() - new Date(b).getTime();
  const na = Number(a);
  const nb = Number(b);
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  // Versions and other dotted values compare part by part.
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number(pa[i] ?? 0);
    const y = Number(pb[i] ?? 0);
    if (x !== y) return x - y;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether one instance satisfies an expression. `task:group` holds if any task on it is in the group. */
export function evaluateQuery(e: Expr, t: QueryTarget): boolean {
  switch (e.kind) {
    case 'and':
      return evaluateQuery(e.left, t) && evaluateQuery(e.right, t);
    case 'or':
      return evaluateQuery(e.left, t) || evaluateQuery(e.right, t);
    case 'not':
      return !evaluateQuery(e.expr, t);
    case 'compare': {
      const vals = subjectValues(e.subject, t);
      const arg = e.values[0] ?? '';
      const any = (f: (v: string) => boolean) => (vals ?? []).some(f);
      switch (e.op) {
        case 'exists':
          return vals !== undefined && vals.length > 0;
        case '!exists':
          return vals === undefined || vals.length === 0;
        case '==':
          return any((v) => v === arg);
        case '!=':
          return !any((v) => v === arg);
        case 'in':
          return any((v) => e.values.includes(v));
        case '!in':
          return !any((v) => e.values.includes(v));
        case '=~':
          return any((v) => wildcard(arg)(v));
        case '!~':
          return !any((v) => wildcard(arg)(v));
        case '>':
          return any((v) => compareOrdered(e.subject, v, arg) > 0);
        case '>=':
          return any((v) => compareOrdered(e.subject, v, arg) >= 0);
        case '<':
          return any((v) => compareOrdered(e.subject, v, arg) < 0);
        case '<=':
          return any((v) => compareOrdered(e.subject, v, arg) <= 0);
      }
    }
  }
}
