import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BestIndex } from './best-index.js';

/** Every candidate the index can pick: one draw per tie, each landing in its own slot. */
function picks(index: BestIndex): number[] {
  const total = index.tieCount();
  const out: number[] = [];
  for (let k = 0; k < total; k++) out.push(index.pick(() => (k + 0.5) / total));
  return out.sort((a, b) => a - b);
}

/** The lowest offset + local and every candidate at it, by a plain scan. */
function scan(local: number[], group: number[], offset: number[]): number[] {
  let best = Infinity;
  for (let c = 0; c < local.length; c++)
    if (local[c] !== Infinity) best = Math.min(best, (offset[group[c]!] as number) + (local[c] as number));
  if (best === Infinity) return [];
  return local.flatMap((l, c) => (l !== Infinity && (offset[group[c]!] as number) + l === best ? [c] : []));
}

const valueArb = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(Infinity));

describe('best index', () => {
  it('picks exactly the candidates a scan ranks best, through any sequence of moves (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(valueArb, fc.nat()), { minLength: 1, maxLength: 24 }),
        fc.array(
          fc.oneof(
            fc.tuple(fc.constant('local' as const), fc.nat(), valueArb),
            fc.tuple(fc.constant('offset' as const), fc.nat(), fc.integer({ min: 0, max: 4 })),
          ),
          { maxLength: 30 },
        ),
        (groups, rows, moves) => {
          const local = rows.map((r) => r[0]);
          const group = rows.map((r) => r[1] % groups);
          const offset = Array.from({ length: groups }, (_, g) => g % 3);
          const index = new BestIndex(Float64Array.from(local), Int32Array.from(group), Float64Array.from(offset));
          assert.deepEqual(picks(index), scan(local, group, offset));
          for (const [kind, at, value] of moves) {
            if (kind === 'local') {
              const c = at % local.length;
              local[c] = value;
              index.setLocal(c, value);
            } else {
              const g = at % groups;
              offset[g] = (offset[g] as number) + value;
              index.addOffset(g, value);
            }
            assert.deepEqual(picks(index), scan(local, group, offset));
            if (index.tieCount() === 0) assert.equal(index.pick(Math.random), -1);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
