import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkStrategy, pickProviders } from './capacity-providers.js';
import type { ClusterRecord } from './tables.js';

const cluster = { name: 'c', capacityProviders: ['FARGATE', 'FARGATE_SPOT'] } as ClusterRecord;
const count = (list: string[]) => list.reduce<Record<string, number>>((m, p) => ({ ...m, [p]: (m[p] ?? 0) + 1 }), {});

describe('capacity provider strategies', () => {
  it('fills the base first, then splits the rest by weight', () => {
    const s = checkStrategy(
      [
        { capacityProvider: 'FARGATE', base: 1, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      ],
      cluster,
    );
    assert.deepEqual(count(pickProviders(s, {}, 9)), { FARGATE: 3, FARGATE_SPOT: 6 });
    assert.deepEqual(pickProviders(s, {}, 1), ['FARGATE']);
    // A service that lost two Spot tasks gets them back on Spot.
    assert.deepEqual(pickProviders(s, { FARGATE: 3, FARGATE_SPOT: 4 }, 2), ['FARGATE_SPOT', 'FARGATE_SPOT']);
  });

  it('keeps any count close to the weights, whatever it starts from', () => {
    const s = checkStrategy(
      [
        { capacityProvider: 'FARGATE', weight: 2 },
        { capacityProvider: 'FARGATE_SPOT', weight: 5 },
      ],
      cluster,
    );
    for (let n = 1; n <= 70; n++) {
      const c = count(pickProviders(s, {}, n));
      assert.ok(Math.abs((c.FARGATE ?? 0) - (n * 2) / 7) <= 1, `n=${n}: ${JSON.stringify(c)}`);
    }
  });

  it('refuses what ECS refuses, naming the field', () => {
    const bad: [unknown[], RegExp][] = [
      [
        [
          { capacityProvider: 'FARGATE', base: 1, weight: 1 },
          { capacityProvider: 'FARGATE_SPOT', base: 2, weight: 1 },
        ],
        /Only one capacity provider in a strategy can have a base/,
      ],
      [[{ capacityProvider: 'FARGATE', weight: 0 }], /weight above 0/],
      [[{ capacityProvider: 'FARGATE', weight: 1001 }], /between 0 and 1000/],
      [
        [
          { capacityProvider: 'FARGATE', weight: 1 },
          { capacityProvider: 'FARGATE', weight: 1 },
        ],
        /more than once/,
      ],
      [[{ capacityProvider: 'my-asg', weight: 1 }], /not implemented/],
    ];
    for (const [raw, message] of bad) assert.throws(() => checkStrategy(raw, cluster), message);
    const onlyFargate = { name: 'c', capacityProviders: ['FARGATE'] } as ClusterRecord;
    assert.throws(
      () => checkStrategy([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }], onlyFargate),
      /not associated with the cluster c/,
    );
    assert.throws(
      () => checkStrategy([{ capacityProvider: 'FARGATE', weight: -1 }], onlyFargate),
      (e: Error & { detail?: { field?: string } }) => e.detail?.field === 'capacityProviderStrategy[0].weight',
    );
  });
});
