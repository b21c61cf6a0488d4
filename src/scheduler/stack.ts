import { agentConnected } from './feasible/agent.js';
import { cpu } from './feasible/cpu.js';
import { distinctInstance } from './feasible/distinct-instance.js';
import { gpu } from './feasible/gpu.js';
import { memberOf } from './feasible/member-of.js';
import { memory } from './feasible/memory.js';
import { ports } from './feasible/ports.js';
import { requiredAttributes } from './feasible/required-attributes.js';
import { binpack } from './rank/binpack.js';
import { random } from './rank/random.js';
import { spreadValue } from './rank/spread.js';
import type { Checker, InstanceView, Plan, Reason, TaskRequest } from './types.js';
import type { Expr } from './query/ast.js';

/**
 * Checks in ECS's order: the agent, resources, then the binding constraints. Those whose answer
 * cannot change while one request is placed run once per instance ("static"); the rest run per
 * placement, against the instance as earlier placements of the same request left it.
 */
const mentionsGroup = (e: Expr): boolean =>
  e.kind === 'compare'
    ? e.subject === 'task:group'
    : e.kind === 'not'
      ? mentionsGroup(e.expr)
      : mentionsGroup(e.left) || mentionsGroup(e.right);

function checkersFor(task: TaskRequest): { once: Checker[]; each: Checker[] } {
  const groupBound = task.constraints.some((c) => c.type === 'memberOf' && mentionsGroup(c.expression));
  return {
    once: [agentConnected, requiredAttributes, ...(groupBound ? [] : [memberOf])],
    each: [cpu, memory, gpu, ports, ...(groupBound ? [memberOf] : []), distinctInstance],
  };
}

/** Ranks in strategy order (lower is better), then a random tie-break, as ECS does. */
function better(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
  return false;
}

/**
 * Places `count` copies of a task, one at a time, each seeing the resources and groups the ones
 * before it took. Pure: no I/O, no clock; instances are copied only when a placement changes them.
 */
export function placeTasks(
  instances: readonly InstanceView[],
  task: TaskRequest,
  count: number,
  rng: () => number = Math.random,
): Plan {
  const plan: Plan = { placements: [], failures: [] };
  const { once, each } = checkersFor(task);
  const candidates: InstanceView[] = [];
  const staticRejects: { arn: string; reason: Reason }[] = [];
  for (const inst of instances) {
    if (inst.status !== 'ACTIVE') continue;
    let reason: Reason | undefined;
    for (const check of once) if ((reason = check(inst, task))) break;
    if (reason) staticRejects.push({ arn: inst.arn, reason });
    else candidates.push(inst);
  }
  // Spread counts per field value, over every active instance, kept up to date as tasks are placed.
  const spreads = task.strategies.map((s) => {
    if (s.type !== 'spread') return undefined;
    const counts = new Map<string, number>();
    for (const inst of instances) {
      if (inst.status !== 'ACTIVE') continue;
      const v = spreadValue(inst, s.field);
      let n = counts.get(v) ?? 0;
      n += inst.taskGroups[task.group] ?? 0;
      counts.set(v, n);
    }
    return counts;
  });
  // Per-candidate facts computed once: current view (replaced when a placement changes it) and
  // the value each spread field has there.
  const views = candidates.slice();
  const spreadValues = task.strategies.map((s) =>
    s.type === 'spread' ? candidates.map((c) => spreadValue(c, s.field)) : undefined,
  );
  const nStrategies = task.strategies.length;
  const score = new Float64Array(nStrategies + 1);
  const bestScore = new Float64Array(nStrategies + 1);
  for (let index = 0; index < count; index++) {
    let best = -1;
    const rejected: { arn: string; reason: Reason }[] = [];
    for (let c = 0; c < views.length; c++) {
      const inst = views[c] as InstanceView;
      let reason: Reason | undefined;
      for (const check of each) if ((reason = check(inst, task))) break;
      if (reason) {
        rejected.push({ arn: inst.arn, reason });
        continue;
      }
      // Scores are written into a reused buffer: no allocation per candidate.
      for (let i = 0; i < nStrategies; i++) {
        const st = task.strategies[i] as TaskRequest['strategies'][number];
        score[i] =
          st.type === 'binpack'
            ? binpack(inst, st.field)
            : st.type === 'spread'
              ? ((spreads[i] as Map<string, number>).get((spreadValues[i] as string[])[c] as string) ?? 0)
              : random(rng);
      }
      score[nStrategies] = random(rng);
      if (best < 0 || better(score, bestScore)) {
        best = c;
        bestScore.set(score);
      }
    }
    if (best < 0) {
      const order = new Map(instances.map((inst, n) => [inst.arn, n]));
      plan.failures = [...staticRejects, ...rejected].sort((a, b) => (order.get(a.arn) ?? 0) - (order.get(b.arn) ?? 0));
      break;
    }
    const was = views[best] as InstanceView;
    const chosen: InstanceView = {
      ...was,
      remaining: {
        cpu: was.remaining.cpu - task.cpu,
        memory: was.remaining.memory - task.memory,
        gpus: was.remaining.gpus - task.gpus,
      },
      usedPorts: task.ports.length ? [...was.usedPorts, ...task.ports] : was.usedPorts,
      taskGroups: { ...was.taskGroups, [task.group]: (was.taskGroups[task.group] ?? 0) + 1 },
      runningTasksCount: was.runningTasksCount + 1,
    };
    views[best] = chosen;
    task.strategies.forEach((st, i) => {
      if (st.type !== 'spread') return;
      const m = spreads[i] as Map<string, number>;
      const v = (spreadValues[i] as string[])[best] as string;
      m.set(v, (m.get(v) ?? 0) + 1);
    });
    plan.placements.push({ index, instanceArn: chosen.arn });
  }
  return plan;
}
