import { agentConnected } from './feasible/agent.js';
import { cpu } from './feasible/cpu.js';
import { distinctInstance } from './feasible/distinct-instance.js';
import { gpu } from './feasible/gpu.js';
import { memberOf } from './feasible/member-of.js';
import { memory } from './feasible/memory.js';
import { ports } from './feasible/ports.js';
import { requiredAttributes } from './feasible/required-attributes.js';
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
  // Spread counts per field value over every active instance, as numbered values, kept up to date
  // as tasks are placed; each candidate's value number per spread strategy. One pass does it all.
  const spreadAt = task.strategies.map((st) =>
    st.type !== 'spread'
      ? undefined
      : { field: st.field, index: new Map<string, number>(), counts: [] as number[], of: [] as number[] },
  );
  const checks = once.filter((c) => c !== requiredAttributes || task.requiredAttributes.length > 0);
  for (const inst of instances) {
    if (inst.status !== 'ACTIVE') continue;
    const inGroup = inst.taskGroups[task.group] ?? 0;
    const values: number[] = [];
    for (const sp of spreadAt) {
      if (!sp) continue;
      const v = spreadValue(inst, sp.field);
      let k = sp.index.get(v);
      if (k === undefined) sp.index.set(v, (k = sp.counts.push(0) - 1));
      sp.counts[k] = (sp.counts[k] as number) + inGroup;
      values.push(k);
    }
    let reason: Reason | undefined;
    for (const check of checks) if ((reason = check(inst, task))) break;
    if (reason) {
      staticRejects.push({ arn: inst.arn, reason });
      continue;
    }
    candidates.push(inst);
    let j = 0;
    for (const sp of spreadAt) if (sp) sp.of.push(values[j++] as number);
  }
  const spreads = spreadAt.map((sp) =>
    sp ? { counts: Float64Array.from(sp.counts), of: Int32Array.from(sp.of) } : undefined,
  );
  // The hot loop reads flat arrays; only the checks that need more than cpu and memory look at views.
  const n = candidates.length;
  const views = candidates.slice();
  const cpuLeft = Float64Array.from(candidates, (c) => c.remaining.cpu);
  const memLeft = Float64Array.from(candidates, (c) => c.remaining.memory);
  const others = each.filter(
    (check) =>
      check !== cpu &&
      check !== memory &&
      (check !== gpu || task.gpus > 0) &&
      (check !== ports || task.ports.length > 0) &&
      (check !== distinctInstance || task.constraints.some((c) => c.type === 'distinctInstance')),
  );
  // Each strategy as a number the loop can switch on: 0 binpack cpu, 1 binpack memory, 2 spread, 3 random.
  const kinds = Int8Array.from(task.strategies, (st) =>
    st.type === 'binpack' ? (st.field === 'cpu' ? 0 : 1) : st.type === 'spread' ? 2 : 3,
  );
  const noSpread = { counts: new Float64Array(0), of: new Int32Array(0) };
  const sps = spreads.map((sp) => sp ?? noSpread);
  for (let index = 0; index < count; index++) {
    let best = -1;
    let ties = 0;
    for (let c = 0; c < n; c++) {
      if ((cpuLeft[c] as number) < task.cpu || (memLeft[c] as number) < task.memory) continue;
      if (others.length > 0 && others.some((check) => check(views[c] as InstanceView, task))) continue;
      if (best < 0) {
        best = c;
        ties = 1;
        continue;
      }
      // Strategies in order, lower wins; a random strategy, or the end, leaves a tie, which is
      // broken uniformly (reservoir sampling: the k-th tied candidate wins with chance 1/k).
      let cmp = 0;
      for (let i = 0; i < kinds.length && cmp === 0; i++) {
        const kind = kinds[i];
        if (kind === 3) break;
        let a: number;
        let b: number;
        if (kind === 0) {
          a = cpuLeft[c] as number;
          b = cpuLeft[best] as number;
        } else if (kind === 1) {
          a = memLeft[c] as number;
          b = memLeft[best] as number;
        } else {
          const sp = sps[i] as { counts: Float64Array; of: Int32Array };
          a = sp.counts[sp.of[c] as number] as number;
          b = sp.counts[sp.of[best] as number] as number;
        }
        if (a !== b) cmp = a < b ? -1 : 1;
      }
      if (cmp < 0) {
        best = c;
        ties = 1;
      } else if (cmp === 0 && rng() * ++ties < 1) {
        best = c;
      }
    }
    if (best < 0) {
      // Nothing fits: say why for every instance, in ECS's words and in the caller's order.
      const rejected: { arn: string; reason: Reason }[] = [];
      for (const inst of views) {
        let reason: Reason | undefined;
        for (const check of each) if ((reason = check(inst, task))) break;
        if (reason) rejected.push({ arn: inst.arn, reason });
      }
      const order = new Map(instances.map((inst, k) => [inst.arn, k]));
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
    cpuLeft[best] = chosen.remaining.cpu;
    memLeft[best] = chosen.remaining.memory;
    for (const sp of spreads)
      if (sp) sp.counts[sp.of[best] as number] = (sp.counts[sp.of[best] as number] as number) + 1;
    plan.placements.push({ index, instanceArn: chosen.arn });
  }
  return plan;
}
