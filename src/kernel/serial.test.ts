import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lane, Lanes } from './serial.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('Lane', () => {
  it('runs work one at a time, in order, going on after a failure', async () => {
    const lane = new Lane();
    const log: string[] = [];
    const job = (name: string, fail = false) =>
      lane.run(async () => {
        log.push(`${name} start`);
        await tick();
        log.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([job('a'), job('b', true), job('c')]);
    assert.deepEqual(log, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
  });

  it('keeps one lane per object', () => {
    const lanes = new Lanes();
    const a = {};
    assert.equal(lanes.of(a), lanes.of(a));
    assert.notEqual(lanes.of(a), lanes.of({}));
  });
});
