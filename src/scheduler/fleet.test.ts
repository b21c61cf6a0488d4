import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Fleet, placed } from './fleet.js';
import { parseQuery } from './query/parse.js';
import { BINPACK_CPU, BINPACK_MEMORY, RANDOM, SPREAD, lexicalScores } from './rank/score.js';
import { spreadValue } from './rank/spread.js';
import { placeTasks } from './stack.js';
import type { InstanceView, Strategy, TaskRequest } from './types.js';

const inst = (i: number, az: string, cpu: number, memory: number, groups: Record<string, number>): InstanceView => ({
  arn: `arn:aws:ecs:us-east-1:000000000000:container-instance/default/i${i}`,
  id: `i${i}`,
  status: i % 7 === 6 ? 'DRAINING' : 'ACTIVE',
  agentConnected: i % 9 !== 8,
  registeredAt: 0,
  attributes: { 'ecs.availability-zone': az, rack: `r${i % 2}` },
  remaining: { cpu, memory, gpus: 0 },
  usedPorts: [],
  taskGroups: groups,
  runningTasksCount: 0,
});
const seeded = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const strategyArb = fc.constantFrom<Strategy>(
  { type: 'spread', field: 'attribute:ecs.availability-zone' },
  { type: 'spread', field: 'instanceId' },
  { type: 'spread', field: 'attribute:rack' },
  { type: 'binpack', field: 'cpu' },
  { type: 'binpack', field: 'memory' },
  { type: 'random' },
);
const fleetArb = fc.array(
  fc.record({
    cpu: fc.integer({ min: 0, max: 4096 }),
    memory: fc.integer({ min: 0, max: 8192 }),
    az: fc.constantFrom('a', 'b', 'c'),
    g: fc.integer({ min: 0, max: 3 }),
  }),
  { minLength: 1, maxLength: 12 },
);
const requestArb = fc.record({
  cpu: fc.integer({ min: 0, max: 1024 }),
  memory: fc.integer({ min: 1, max: 2048 }),
  count: fc.integer({ min: 1, max: 10 }),
  strategies: fc.array(strategyArb, { maxLength: 3 }),
  zone: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
});
const request = (r: { cpu: number; memory: number; strategies: Strategy[]; zone?: string }): TaskRequest => ({
  cpu: r.cpu,
  memory: r.memory,
  gpus: 0,
  ports: [],
  group: 'g1',
  requiredAttributes: [],
  constraints: r.zone
    ? [{ type: 'memberOf', expression: parseQuery(`attribute:ecs.availability-zone != ${r.zone}`) }]
    : [],
  strategies: r.strategies,
});

/** The strategies' keys for one instance, straight from their definitions. */
function keys(fleet: InstanceView[], x: InstanceView, t: TaskRequest): number[] {
  const out: number[] = [];
  for (const st of t.strategies) {
    if (st.type === 'random') break;
    if (st.type === 'binpack') out.push(st.field === 'cpu' ? x.remaining.cpu : x.remaining.memory);
    else {
      const v = spreadValue(x, st.field);
      out.push(
        fleet
          .filter((o) => o.status === 'ACTIVE' && spreadValue(o, st.field) === v)
          .reduce((n, o) => n + (o.taskGroups[t.group] ?? 0), 0),
      );
    }
  }
  return out;
}
const lexCompare = (a: number[], b: number[]) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  return 0;
};

const keptFleet = (f: { cpu: number; memory: number; az: string; g: number }[]) =>
  new Fleet(f.map((x, i) => inst(i, x.az, x.cpu, x.memory, x.g ? { g1: x.g } : {})));

/** Decides on the kept fleet and on a fresh snapshot of its views: the same plan; then commits it. */
function decideAndCommit(kept: Fleet, t: TaskRequest, count: number, seed: number): void {
  const fresh = placeTasks(kept.views.slice(), t, count, seeded(seed));
  const onKept = placeTasks(kept, t, count, seeded(seed));
  assert.deepEqual(onKept, fresh);
  kept.commit(onKept, t);
}

describe('fleet', () => {
  it('places each task on an instance the strategies rank best among those that fit (property)', () => {
    fc.assert(
      fc.property(fleetArb, requestArb, fc.integer({ min: 1, max: 1000 }), (f, r, seed) => {
        let views = f.map((x, i) => inst(i, x.az, x.cpu, x.memory, x.g ? { g1: x.g } : {}));
        const t = request(r);
        const plan = placeTasks(views, t, r.count, seeded(seed));
        for (const p of plan.placements) {
          const fits = views.filter(
            (x) =>
              x.status === 'ACTIVE' &&
              x.agentConnected &&
              x.remaining.cpu >= t.cpu &&
              x.remaining.memory >= t.memory &&
              (!r.zone || x.attributes['ecs.availability-zone'] !== r.zone),
          );
          const chosen = views.find((x) => x.arn === p.instanceArn) as InstanceView;
          assert.ok(fits.includes(chosen), 'the chosen instance fits');
          const mine = keys(views, chosen, t);
          for (const other of fits) assert.ok(lexCompare(mine, keys(views, other, t)) <= 0, 'nothing ranks better');
          views = views.map((x) => (x === chosen ? placed(x, t) : x));
        }
        assert.equal(plan.placements.length === r.count, plan.failures.length === 0);
      }),
      { numRuns: 300 },
    );
  });

  it('decides on a kept fleet exactly as on a fresh snapshot of the same state (property)', () => {
    fc.assert(
      fc.property(fleetArb, fc.array(requestArb, { minLength: 1, maxLength: 6 }), (f, requests) => {
        const kept = keptFleet(f);
        requests.forEach((r, k) => {
          const t = request(r);
          decideAndCommit(kept, t, r.count, k + 1);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('takes changed instances and still decides as a fresh snapshot would (property)', () => {
    const change = fc.record({
      at: fc.nat(),
      cpu: fc.integer({ min: 0, max: 4096 }),
      g: fc.integer({ min: 0, max: 3 }),
      // Sometimes what the static checks read changes too: the zone, or the status.
      az: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
      draining: fc.boolean(),
    });
    fc.assert(
      fc.property(fleetArb, fc.array(fc.tuple(requestArb, change), { minLength: 1, maxLength: 6 }), (f, steps) => {
        const kept = keptFleet(f);
        steps.forEach(([r, ch], k) => {
          const t = request(r);
          const at = ch.at % kept.views.length;
          const was = kept.views[at] as InstanceView;
          kept.replace(at, {
            ...was,
            status: ch.draining ? 'DRAINING' : was.status,
            attributes: ch.az ? { ...was.attributes, 'ecs.availability-zone': ch.az } : { ...was.attributes },
            remaining: { ...was.remaining, cpu: ch.cpu },
            taskGroups: ch.g ? { g1: ch.g } : {},
          });
          decideAndCommit(kept, t, r.count, k + 1);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('commits a plan: resources, groups and spread counts move; the fleet is otherwise untouched by deciding', () => {
    const fleet = new Fleet([inst(0, 'a', 1024, 1024, {}), inst(1, 'b', 1024, 1024, { g1: 2 })]);
    const t = request({
      cpu: 256,
      memory: 256,
      strategies: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
    });
    const plan = placeTasks(fleet, t, 2, seeded(3));
    assert.equal(fleet.cpu[0], 1024, 'deciding changes nothing');
    assert.deepEqual(
      plan.placements.map((p) => p.instanceArn.split('/').pop()),
      ['i0', 'i0'],
      'zone a holds none of the group, zone b two',
    );
    fleet.commit(plan, t);
    assert.equal(fleet.cpu[0], 512);
    assert.equal(fleet.memory[0], 512);
    assert.equal(fleet.views[0]?.taskGroups['g1'], 2);
    assert.deepEqual([...fleet.groupTotals('attribute:ecs.availability-zone', 'g1')], [2, 2]);
    // The store moved on: instance 1 now holds five of the group, and nothing else changed.
    fleet.replace(1, { ...(fleet.views[1] as InstanceView), taskGroups: { g1: 5 } });
    assert.deepEqual([...fleet.groupTotals('attribute:ecs.availability-zone', 'g1')], [2, 5]);
    // Its zone changed: spread values are worked out again.
    fleet.replace(1, { ...(fleet.views[1] as InstanceView), attributes: { 'ecs.availability-zone': 'a' } });
    assert.deepEqual([...fleet.groupTotals('attribute:ecs.availability-zone', 'g1')], [7]);
  });
});

describe('lexical scores', () => {
  it('order candidates as their keys compare, one by one (property)', () => {
    const kindArb = fc.constantFrom(BINPACK_CPU, BINPACK_MEMORY, SPREAD, RANDOM);
    fc.assert(
      fc.property(
        fc.array(kindArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(5000), fc.nat(100_000), fc.nat(3)), { minLength: 2, maxLength: 20 }),
        fc.array(fc.nat(50), { minLength: 4, maxLength: 4 }),
        (kindList, rows, spreadCounts) => {
          const kinds = Int8Array.from(kindList);
          const cpu = Float64Array.from(rows.map((r) => r[0]));
          const mem = Float64Array.from(rows.map((r) => r[1]));
          const sp = { counts: Float64Array.from(spreadCounts), of: Int32Array.from(rows.map((r) => r[2])) };
          const s = lexicalScores(kinds, cpu, mem, [sp, sp, sp, sp], 10);
          const lead = kindList.indexOf(RANDOM) < 0 ? kindList.length : kindList.indexOf(RANDOM);
          if (lead === 0) return assert.equal(s, undefined);
          // Two keys always fit in 2^53 here; more may not, and then the caller compares key by key.
          if (lead <= 2) assert.ok(s, 'these keys fit one number');
          if (!s) return;
          const key = (c: number) => {
            const out: number[] = [];
            for (const k of kinds) {
              if (k === RANDOM) break;
              out.push(k === BINPACK_CPU ? cpu[c]! : k === BINPACK_MEMORY ? mem[c]! : sp.counts[sp.of[c]!]!);
            }
            return out;
          };
          for (let a = 0; a < rows.length; a++)
            for (let b = 0; b < rows.length; b++)
              assert.equal(Math.sign(s.score[a]! - s.score[b]!), lexCompare(key(a), key(b)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leave keys that are negative, fractional or too wide to the key-by-key comparison', () => {
    const one = (cpu: number, mem: number) =>
      lexicalScores(Int8Array.from([BINPACK_CPU, BINPACK_MEMORY]), Float64Array.of(cpu), Float64Array.of(mem), [], 1);
    assert.equal(one(-1, 5), undefined);
    assert.equal(one(1.5, 5), undefined);
    assert.equal(one(2 ** 30, 2 ** 30), undefined);
    assert.ok(one(4096, 16384));
  });
});
