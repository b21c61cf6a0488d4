import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseQuery } from './query/parse.js';
import { placeTasks } from './stack.js';
import type { InstanceView, TaskRequest } from './types.js';

const inst = (id: string, az: string, over: Partial<InstanceView> = {}): InstanceView => ({
  arn: `arn:aws:ecs:us-east-1:000000000000:container-instance/default/${id}`,
  id,
  status: 'ACTIVE',
  agentConnected: true,
  registeredAt: 0,
  attributes: { 'ecs.availability-zone': az, 'ecs.os-type': 'linux' },
  remaining: { cpu: 2048, memory: 4096, gpus: 0 },
  usedPorts: [],
  taskGroups: {},
  runningTasksCount: 0,
  ...over,
});
const task = (over: Partial<TaskRequest> = {}): TaskRequest => ({
  cpu: 256,
  memory: 512,
  gpus: 0,
  ports: [],
  group: 'family:web',
  requiredAttributes: [],
  constraints: [],
  strategies: [],
  ...over,
});
const seeded = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

describe('scheduler', () => {
  it('spreads across zones, then binpacks within them', () => {
    const fleet = [
      inst('a1', 'az-a'),
      inst('a2', 'az-a', { remaining: { cpu: 1024, memory: 4096, gpus: 0 } }),
      inst('b1', 'az-b'),
      inst('c1', 'az-c'),
    ];
    const plan = placeTasks(
      fleet,
      task({
        strategies: [
          { type: 'spread', field: 'attribute:ecs.availability-zone' },
          { type: 'binpack', field: 'cpu' },
        ],
      }),
      6,
      seeded(1),
    );
    const byInstance = (id: string) => plan.placements.filter((p) => p.instanceArn.endsWith(`/${id}`)).length;
    assert.equal(plan.placements.length, 6);
    assert.equal(byInstance('a1') + byInstance('a2'), 2);
    assert.equal(byInstance('b1'), 2);
    assert.equal(byInstance('c1'), 2);
    assert.equal(byInstance('a2'), 2, 'within az-a the fuller instance is packed first');
  });

  it('explains every refusal in ECS words', () => {
    const fleet = [
      inst('small', 'az-a', { remaining: { cpu: 2048, memory: 256, gpus: 0 } }),
      inst('busy', 'az-a', { remaining: { cpu: 128, memory: 4096, gpus: 0 } }),
      inst('gone', 'az-a', { agentConnected: false }),
      inst('port', 'az-a', { usedPorts: ['80/tcp'] }),
    ];
    const plan = placeTasks(fleet, task({ ports: ['80/tcp'], memory: 512 }), 1);
    assert.deepEqual(plan.placements, []);
    assert.deepEqual(
      plan.failures.map((f) => [f.arn.split('/').pop(), f.reason]),
      [
        ['small', 'RESOURCE:MEMORY'],
        ['busy', 'RESOURCE:CPU'],
        ['gone', 'AGENT'],
        ['port', 'RESOURCE:PORTS'],
      ],
    );
  });

  it('keeps memberOf and distinctInstance binding', () => {
    const fleet = [inst('a', 'az-a'), inst('b', 'az-b'), inst('c', 'az-c')];
    const member = placeTasks(
      fleet,
      task({
        constraints: [{ type: 'memberOf', expression: parseQuery('attribute:ecs.availability-zone in [az-a, az-b]') }],
      }),
      4,
    );
    assert.ok(member.placements.every((p) => !p.instanceArn.endsWith('/c')));
    const distinct = placeTasks(fleet, task({ constraints: [{ type: 'distinctInstance' }] }), 4);
    assert.equal(distinct.placements.length, 3);
    assert.equal(new Set(distinct.placements.map((p) => p.instanceArn)).size, 3);
    assert.deepEqual(
      distinct.failures.map((f) => f.reason),
      ['ATTRIBUTE', 'ATTRIBUTE', 'ATTRIBUTE'],
    );
  });

  it('leaves draining instances alone and honours required attributes', () => {
    const fleet = [
      inst('d', 'az-a', { status: 'DRAINING' }),
      inst('g', 'az-a', { attributes: { 'ecs.capability.gpu': '' } }),
      inst('n', 'az-a'),
    ];
    const plan = placeTasks(fleet, task({ requiredAttributes: [{ name: 'ecs.capability.gpu' }] }), 1);
    assert.equal(plan.placements[0]?.instanceArn.split('/').pop(), 'g');
  });

  it('never overcommits and always honours constraints (property)', () => {
    const arb = fc.record({
      fleet: fc.array(
        fc.record({
          cpu: fc.integer({ min: 0, max: 4096 }),
          memory: fc.integer({ min: 0, max: 8192 }),
          az: fc.constantFrom('a', 'b', 'c'),
          groups: fc.array(fc.constantFrom('g1', 'g2'), { maxLength: 2 }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      cpu: fc.integer({ min: 0, max: 2048 }),
      memory: fc.integer({ min: 1, max: 4096 }),
      count: fc.integer({ min: 1, max: 10 }),
      distinct: fc.boolean(),
      zones: fc.subarray(['a', 'b', 'c'], { minLength: 1 }),
      seed: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const fleet = c.fleet.map((f, i) =>
          inst(`i${i}`, f.az, {
            remaining: { cpu: f.cpu, memory: f.memory, gpus: 0 },
            taskGroups: Object.fromEntries(f.groups.map((g) => [g, 1])),
          }),
        );
        const constraints: TaskRequest['constraints'] = [
          { type: 'memberOf', expression: parseQuery(`attribute:ecs.availability-zone in [${c.zones.join(', ')}]`) },
        ];
        if (c.distinct) constraints.push({ type: 'distinctInstance' });
        const t = task({
          cpu: c.cpu,
          memory: c.memory,
          group: 'g1',
          constraints,
          strategies: [{ type: 'binpack', field: 'memory' }],
        });
        const plan = placeTasks(fleet, t, c.count, seeded(c.seed));
        for (const f of fleet) {
          const n = plan.placements.filter((p) => p.instanceArn === f.arn).length;
          assert.ok(n * c.cpu <= f.remaining.cpu && n * c.memory <= f.remaining.memory, 'resources');
          if (n > 0) assert.ok(c.zones.includes(f.attributes['ecs.availability-zone'] as string), 'memberOf');
          if (c.distinct) assert.ok(n === 0 || (n === 1 && !(f.taskGroups['g1'] ?? 0)), 'distinctInstance');
        }
        assert.equal(plan.placements.length === c.count, plan.failures.length === 0);
      }),
      { numRuns: 300 },
    );
  });

  it('breaks ties uniformly, across zones and within them', () => {
    // Zone b holds two of the group, so a and c tie; within them a1 and a2 have the same room, and
    // c1 as much: three instances tie for the first task, each must be drawn about a third of the time.
    const fleet = [
      inst('a1', 'az-a'),
      inst('a2', 'az-a'),
      inst('b1', 'az-b', { taskGroups: { 'family:web': 2 } }),
      inst('c1', 'az-c'),
      inst('c2', 'az-c', { remaining: { cpu: 2048, memory: 8192, gpus: 0 } }),
    ];
    const t = task({
      strategies: [
        { type: 'spread', field: 'attribute:ecs.availability-zone' },
        { type: 'binpack', field: 'memory' },
      ],
    });
    const rng = seeded(11);
    const drawn = new Map<string, number>();
    for (let k = 0; k < 3000; k++) {
      const id = placeTasks(fleet, t, 1, rng).placements[0]?.instanceArn.split('/').pop() ?? '?';
      drawn.set(id, (drawn.get(id) ?? 0) + 1);
    }
    assert.deepEqual([...drawn.keys()].sort(), ['a1', 'a2', 'c1']);
    for (const n of drawn.values()) assert.ok(n > 850 && n < 1150, `drawn ${n} of 3000 times`);
  });
});
