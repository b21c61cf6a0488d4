import { memberOf } from './feasible/member-of.js';
import { requiredAttributes } from './feasible/required-attributes.js';
import { anySubject, type Expr } from './query/ast.js';
import { spreadValue } from './rank/spread.js';
import type { Checker, InstanceView, Plan, Reason, TaskRequest } from './types.js';

/** The instances that pass a request's static checks, and why the others do not (fleet order). */
export interface StaticPass {
  candidates: Int32Array;
  rejects: { at: number; reason: Reason }[];
}

const keys = new WeakMap<Expr, string>();
const keyOf = (e: Expr): string => {
  let k = keys.get(e);
  if (k === undefined) keys.set(e, (k = JSON.stringify(e)));
  return k;
};

/** Whether an expression reads a subject that placing a task changes. */
const readsPlacements = (e: Expr): boolean => anySubject(e, (s) => s === 'task:group' || s === 'runningTasksCount');

/** Whether a memberOf expression must be checked per placement (it reads the task groups). */
export const mentionsGroup = (e: Expr): boolean => anySubject(e, (s) => s === 'task:group');

const MAX_CACHED = 64;

/**
 * A cluster snapshot prepared for placement: each instance's remaining CPU and memory as flat
 * columns, and what does not change when tasks are placed remembered across decisions — which
 * instances pass a request's static checks (agent, required attributes, attribute constraints),
 * each instance's value of a spread field, and each value's count of a group's tasks. A decision
 * (`placeTasks`) reads the fleet and never changes it; the applier `commit`s what it applied, so
 * the next decision costs one pass over the candidates, not a rebuild of the whole fleet.
 */
export class Fleet {
  readonly views: InstanceView[];
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
  private readonly at = new Map<string, number>();
  private readonly statics = new Map<string, StaticPass>();
  private readonly spreadIds = new Map<string, { ids: Int32Array; values: number }>();
  /** group → spread field → tasks of the group per value. */
  private readonly totals = new Map<string, Map<string, Float64Array>>();

  constructor(instances: readonly InstanceView[]) {
    this.views = instances.slice();
    this.cpu = new Float64Array(instances.length);
    this.memory = new Float64Array(instances.length);
    for (let k = 0; k < instances.length; k++) {
      const inst = instances[k] as InstanceView;
      this.cpu[k] = inst.remaining.cpu;
      this.memory[k] = inst.remaining.memory;
      this.at.set(inst.arn, k);
    }
  }

  /** The static checks' answers for a request, remembered when placing tasks cannot change them. */
  staticPass(task: TaskRequest, checks: Checker[]): StaticPass {
    const attrExprs: Expr[] = [];
    for (const c of task.constraints)
      if (c.type === 'memberOf' && checks.includes(memberOf) && !mentionsGroup(c.expression))
        attrExprs.push(c.expression);
    const cacheable = !attrExprs.some(readsPlacements);
    const key = cacheable
      ? JSON.stringify(task.requiredAttributes) + '\n' + attrExprs.map(keyOf).join('\n')
      : undefined;
    const known = key === undefined ? undefined : this.statics.get(key);
    if (known) return known;
    const candidates: number[] = [];
    const rejects: StaticPass['rejects'] = [];
    const run = checks.filter((c) => c !== requiredAttributes || task.requiredAttributes.length > 0);
    for (let k = 0; k < this.views.length; k++) {
      const inst = this.views[k] as InstanceView;
      if (inst.status !== 'ACTIVE') continue;
      let reason: Reason | undefined;
      for (const check of run) if ((reason = check(inst, task))) break;
      if (reason) rejects.push({ at: k, reason });
      else candidates.push(k);
    }
    const pass = { candidates: Int32Array.from(candidates), rejects };
    if (key !== undefined) {
      if (this.statics.size >= MAX_CACHED) this.statics.clear();
      this.statics.set(key, pass);
    }
    return pass;
  }

  /** Each instance's value of a spread field, numbered (-1 for instances that are not ACTIVE). */
  spreadOf(field: string): { ids: Int32Array; values: number } {
    let s = this.spreadIds.get(field);
    if (!s) {
      const numbers = new Map<string, number>();
      const ids = new Int32Array(this.views.length).fill(-1);
      this.views.forEach((inst, k) => {
        if (inst.status !== 'ACTIVE') return;
        const v = spreadValue(inst, field);
        let n = numbers.get(v);
        if (n === undefined) numbers.set(v, (n = numbers.size));
        ids[k] = n;
      });
      if (this.spreadIds.size >= MAX_CACHED) this.spreadIds.clear();
      this.spreadIds.set(field, (s = { ids, values: numbers.size }));
    }
    return s;
  }

  /** How many tasks of `group` each value of `field` holds, over every ACTIVE instance. */
  groupTotals(field: string, group: string): Float64Array {
    let byField = this.totals.get(group);
    if (!byField) {
      if (this.totals.size >= MAX_CACHED) this.totals.clear();
      this.totals.set(group, (byField = new Map()));
    }
    let counts = byField.get(field);
    if (!counts) {
      const { ids, values } = this.spreadOf(field);
      counts = new Float64Array(values);
      for (let k = 0; k < this.views.length; k++) {
        const id = ids[k] as number;
        if (id >= 0) counts[id] = (counts[id] as number) + ((this.views[k] as InstanceView).taskGroups[group] ?? 0);
      }
      byField.set(field, counts);
    }
    return counts;
  }

  /**
   * Takes an instance's new view (the store changed it). What placing cannot change stays
   * remembered when the instance kept its status, agent and attributes; otherwise it is all
   * worked out again on the next decision.
   */
  replace(k: number, view: InstanceView): void {
    const was = this.views[k] as InstanceView;
    this.views[k] = view;
    this.cpu[k] = view.remaining.cpu;
    this.memory[k] = view.remaining.memory;
    if (!sameStatics(was, view)) {
      this.statics.clear();
      this.spreadIds.clear();
      this.totals.clear();
      return;
    }
    for (const [group, byField] of this.totals) {
      const delta = (view.taskGroups[group] ?? 0) - (was.taskGroups[group] ?? 0);
      if (delta === 0) continue;
      for (const [field, counts] of byField) {
        const id = this.spreadOf(field).ids[k] as number;
        if (id >= 0) counts[id] = (counts[id] as number) + delta;
      }
    }
  }

  /** Records a plan as applied: its tasks now hold their instances' resources, ports and groups. */
  commit(plan: Plan, task: TaskRequest): void {
    for (const p of plan.placements) {
      const k = this.at.get(p.instanceArn);
      if (k === undefined) continue;
      const was = this.views[k] as InstanceView;
      this.views[k] = placed(was, task);
      this.cpu[k] = (this.cpu[k] as number) - task.cpu;
      this.memory[k] = (this.memory[k] as number) - task.memory;
      for (const [field, counts] of this.totals.get(task.group) ?? []) {
        const id = this.spreadOf(field).ids[k] as number;
        if (id >= 0) counts[id] = (counts[id] as number) + 1;
      }
    }
  }
}

/** Whether two views of an instance agree on all that the static checks and spread values read. */
function sameStatics(a: InstanceView, b: InstanceView): boolean {
  if (
    a.arn !== b.arn ||
    a.id !== b.id ||
    a.status !== b.status ||
    a.agentConnected !== b.agentConnected ||
    a.registeredAt !== b.registeredAt ||
    a.ec2InstanceId !== b.ec2InstanceId ||
    a.agentVersion !== b.agentVersion
  )
    return false;
  if (a.attributes === b.attributes) return true;
  const ka = Object.keys(a.attributes);
  if (ka.length !== Object.keys(b.attributes).length) return false;
  return ka.every((k) => a.attributes[k] === b.attributes[k] && k in b.attributes);
}

/** An instance after one more task of `task` lands on it. */
export function placed(was: InstanceView, task: TaskRequest): InstanceView {
  return {
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
}
