import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pack, unpack } from './packed.js';
import type { Point } from './tables.js';

it('packs points into columns and back, leaving out the columns no point uses', () => {
  const plain: Point[] = [
    { at: 1, values: [5] },
    { at: 2, values: [6], unit: 'Count' },
  ];
  assert.deepEqual(pack(plain), { at: [1, 2], v: [5, 6], u: [null, 'Count'] });
  const mixed: Point[] = [
    { at: 1, values: [1, 2], counts: [3, 4] },
    { at: 2, stats: { sampleCount: 2, sum: 3, min: 1, max: 2 } },
    { at: 3, values: [7, 8], stats: { sampleCount: 1, sum: 9, min: 9, max: 9 }, unit: 'Seconds' },
    { at: 4, values: [0] },
  ];
  for (const points of [plain, mixed, []]) assert.deepEqual(unpack(pack(points)), points);
  assert.deepEqual(Object.keys(pack(mixed)).sort(), ['at', 'c', 's', 'u', 'v']);
});
