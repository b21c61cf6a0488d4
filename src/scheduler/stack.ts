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
import { spread } from './rank/spread.js';
import type { Checker, InstanceView, Plan, Reason, TaskRequest } from './types.js';

/** Checks in ECS's order: the agent, resources, then the binding constraints. */
const checkers: Checker[] = [agentConnected, cpu, memory, gpu, ports, requiredAttributes, memberOf, distinctInstance];

function scores(inst: InstanceView, task: TaskRequest, all: readonly InstanceView[], rng: () => number): number[] {
  const s = task.strategies.map((st) => {
    if (st.type === 'binpack') return binpack(inst, st.field);
    if (st.type === 'spread') return spread(inst, st.field, task, all);
    return random(rng);
  });
  s.push(random(rng)); // ties between equally good instances are broken at random, as ECS does
  return s;
}

function lexicographic(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/**
 * Places `count` copies of a task, one at a time, on a working copy of the instances so that
 * each placement sees the resources and groups of the ones before it. Pure: no I/O, no clock.
 */
export function placeTasks(
  instances: readonly InstanceView[],
  task: TaskRequest,
  count: number,
  rng: () => number = Math.random,
): Plan {
  const working: InstanceView[] = instances
    .filter((i) => i.status === 'ACTIVE')
    .map((i) => ({ ...i, remaining: { ...i.remaining }, usedPorts: [...i.usedPorts], taskGroups: [...i.taskGroups] }));
  const plan: Plan = { placements: [], failures: [] };
  for (let index = 0; index < count; index++) {
    const rejected: { arn: string; reason: Reason }[] = [];
    const feasible = working.filter((inst) => {
      for (const check of checkers) {
        const reason = check(inst, task);
        if (reason) {
          rejected.push({ arn: inst.arn, reason });
          return false;
        }
      }
      return true;
    });
    if (feasible.length === 0) {
      plan.failures = rejected;
      break;
    }
    const ranked = feasible.map((inst) => ({ inst, score: scores(inst, task, working, rng) }));
    ranked.sort((a, b) => lexicographic(a.score, b.score));
    const chosen = (ranked[0] as { inst: InstanceView }).inst;
    chosen.remaining.cpu -= task.cpu;
    chosen.remaining.memory -= task.memory;
    chosen.remaining.gpus -= task.gpus;
    chosen.usedPorts.push(...task.ports);
    chosen.taskGroups.push(task.group);
    chosen.runningTasksCount += 1;
    plan.placements.push({ index, instanceArn: chosen.arn });
  }
  return plan;
}
