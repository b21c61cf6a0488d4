import { agentConnected } from './feasible/agent.js';
import { cpu } from './feasible/cpu.js';
import { distinctInstance } from './feasible/distinct-instance.js';
import { gpu } from './feasible/gpu.js';
import { memberOf } from './feasible/member-of.js';
import { memory } from './feasible/memory.js';
import { ports } from './feasible/ports.js';
import { requiredAttributes } from './feasible/required-attributes.js';
import { Fleet, mentionsGroup, placed } from './fleet.js';
import {
  BINPACK_CPU,
  BINPACK_MEMORY,
  RANDOM,
  SPREAD,
  lexicalScores,
  bestByScore,
  scorePlaced,
  type SpreadColumn,
} from './rank/score.js';
import { ScoreIndex } from './rank/score-index.js';
import type { Checker, InstanceView, Plan, Reason, TaskRequest } from './types.js';

export { Fleet } from './fleet.js';

/**
 * Checks in ECS's order: the agent, resources, then the binding constraints. Those whose answer
 * cannot change while one request is placed run once per instance ("static"); the rest run per
 * placement, against the instance as earlier placements of the same request left it.
 */
function checkersFor(task: TaskRequest): { once: Checker[]; each: Checker[] } {
  const groupBound = task.constraints.some((c) => c.type === 'memberOf' && mentionsGroup(c.expression));
  return {
    once: [agentConnected, requiredAttributes, ...(groupBound ? [] : [memberOf])],
    each: [cpu, memory, gpu, ports, ...(groupBound ? [memberOf] : []), distinctInstance],
  };
}

/**
 * Places `count` copies of a task, one at a time, each seeing the resources and groups the ones
 * before it took. Pure: no I/O, no clock; neither the instances nor a prepared `Fleet` change (a
 * fleet remembers what placing cannot change, so deciding again on it skips that work).
 */
export function placeTasks(
  instances: readonly InstanceView[] | Fleet,
  task: TaskRequest,
  count: number,
  rng: () => number = Math.random,
): Plan {
  const fleet = instances instanceof Fleet ? instances : new Fleet(instances);
  const plan: Plan = { placements: [], failures: [] };
  const { once, each } = checkersFor(task);
  const { candidates, rejects } = fleet.staticPass(task, once);
  // The hot loop reads flat arrays, one slot per candidate; only the checks that need more than
  // cpu and memory look at views, and only placed-on candidates get a view of their own.
  const n = candidates.length;
  const cpuLeft = new Float64Array(n);
  const memLeft = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    cpuLeft[c] = fleet.cpu[candidates[c] as number] as number;
    memLeft[c] = fleet.memory[candidates[c] as number] as number;
  }
  const changed = new Map<number, InstanceView>();
  const view = (c: number) => changed.get(c) ?? (fleet.views[candidates[c] as number] as InstanceView);
  const others = each.filter(
    (check) =>
      check !== cpu &&
      check !== memory &&
      (check !== gpu || task.gpus > 0) &&
      (check !== ports || task.ports.length > 0) &&
      (check !== distinctInstance || task.constraints.some((c) => c.type === 'distinctInstance')),
  );
  const kinds = Int8Array.from(task.strategies, (st) =>
    st.type === 'binpack'
      ? st.field === 'cpu'
        ? BINPACK_CPU
        : BINPACK_MEMORY
      : st.type === 'spread'
        ? SPREAD
        : RANDOM,
  );
  // Spread: tasks of the group per field value over every ACTIVE instance (a copy this decision
  // updates as it places), and each candidate's value number.
  const noSpread = { counts: new Float64Array(0), of: new Int32Array(0) };
  const sps = task.strategies.map((st) => {
    if (st.type !== 'spread') return noSpread;
    const ids = fleet.spreadOf(st.field).ids;
    return {
      counts: Float64Array.from(fleet.groupTotals(st.field, task.group)),
      of: gather(ids, candidates),
    };
  });
  // Every candidate tied for best this round, so a tie is broken with one draw, uniformly.
  const tied = new Int32Array(n);
  const scores = lexicalScores(kinds, cpuLeft, memLeft, sps, count);
  // Key by key, for strategies that do not fit one exact number: lower wins.
  const compare = (c: number, best: number): number => {
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i];
      if (kind === RANDOM) return 0;
      let a: number;
      let b: number;
      if (kind === BINPACK_CPU) {
        a = cpuLeft[c] as number;
        b = cpuLeft[best] as number;
      } else if (kind === BINPACK_MEMORY) {
        a = memLeft[c] as number;
        b = memLeft[best] as number;
      } else {
        const sp = sps[i] as SpreadColumn;
        a = sp.counts[sp.of[c] as number] as number;
        b = sp.counts[sp.of[best] as number] as number;
      }
      if (a !== b) return a < b ? -1 : 1;
    }
    return 0;
  };
  const score = scores?.score;
  // Only cpu and memory decide what fits: the best candidates are kept in an index, not scanned for.
  const indexed =
    others.length === 0
      ? ScoreIndex.build({ kinds, scores, spreads: sps, cpuLeft, memLeft, cpu: task.cpu, memory: task.memory })
      : undefined;
  for (let index = 0; index < count; index++) {
    let best = -1;
    let ties = 0;
    let bestScore = Infinity;
    if (indexed) best = indexed.pick(rng);
    else if (score && others.length === 0) {
      ties = bestByScore(score, cpuLeft, memLeft, task.cpu, task.memory, tied);
      if (ties > 0) best = tied[0] as number;
    } else
      for (let c = 0; c < n; c++) {
        if ((cpuLeft[c] as number) < task.cpu || (memLeft[c] as number) < task.memory) continue;
        if (others.length > 0 && others.some((check) => check(view(c), task))) continue;
        let cmp: number;
        if (best < 0) cmp = -1;
        else if (score) cmp = (score[c] as number) - bestScore;
        else cmp = compare(c, best);
        if (cmp < 0) {
          best = c;
          bestScore = score ? (score[c] as number) : 0;
          tied[0] = c;
          ties = 1;
        } else if (cmp === 0) {
          tied[ties++] = c;
        }
      }
    if (ties > 1) best = tied[Math.min(ties - 1, Math.floor(rng() * ties))] as number;
    if (best < 0) {
      plan.failures = explain(n, view, each, task, candidates, rejects, fleet);
      break;
    }
    const chosen = placed(view(best), task);
    changed.set(best, chosen);
    cpuLeft[best] = chosen.remaining.cpu;
    memLeft[best] = chosen.remaining.memory;
    if (indexed) indexed.placed(best);
    else if (scores) scorePlaced(scores, kinds, sps, best, task.cpu, task.memory);
    for (const sp of sps)
      if (sp !== noSpread) sp.counts[sp.of[best] as number] = (sp.counts[sp.of[best] as number] as number) + 1;
    plan.placements.push({ index, instanceArn: chosen.arn });
  }
  return plan;
}

/** Nothing fits: why, for every instance, in ECS's words and in the fleet's order. */
function explain(
  n: number,
  view: (c: number) => InstanceView,
  each: Checker[],
  task: TaskRequest,
  candidates: Int32Array,
  rejects: { at: number; reason: Reason }[],
  fleet: Fleet,
): Plan['failures'] {
  const all = rejects.slice();
  for (let c = 0; c < n; c++) {
    let reason: Reason | undefined;
    for (const check of each) if ((reason = check(view(c), task))) break;
    if (reason) all.push({ at: candidates[c] as number, reason });
  }
  all.sort((a, b) => a.at - b.at);
  return all.map((r) => ({ arn: (fleet.views[r.at] as InstanceView).arn, reason: r.reason }));
}

// A plain loop: TypedArray.from with a map function is many times slower in V8.
function gather(column: Int32Array, at: Int32Array): Int32Array {
  const out = new Int32Array(at.length);
  for (let c = 0; c < at.length; c++) out[c] = column[at[c] as number] as number;
  return out;
}
