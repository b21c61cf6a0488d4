import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bounds, planStep, type RolloutState } from './rollout.js';

test('a rolling update from a new revision stays inside its bounds and always completes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 100, max: 200 }),
      fc.integer({ min: 0, max: 3 }),
      (desired, minimumHealthyPercent, maximumPercent, flaky) => {
        const { maxTotal, minHealthy } = bounds({ desired, minimumHealthyPercent, maximumPercent });
        fc.pre(maxTotal > minHealthy); // with no room between the bounds, ECS cannot move either
        let s: RolloutState = {
          desired,
          minimumHealthyPercent,
          maximumPercent,
          primaryHealthy: 0,
          primaryOther: 0,
          oldHealthy: desired,
          oldOther: 0,
          stopping: 0,
        };
        for (let round = 0; round < 4 * desired + 10; round++) {
          const step = planStep(s);
          const healthyBefore = s.primaryHealthy + s.oldHealthy;
          s = {
            ...s,
            oldHealthy: s.oldHealthy - step.stopOldHealthy,
            oldOther: s.oldOther - step.stopOldOther,
            primaryHealthy: s.primaryHealthy - step.stopPrimaryHealthy,
            primaryOther: s.primaryOther - step.stopPrimaryOther + step.start,
            stopping:
              s.stopping + step.stopOldHealthy + step.stopOldOther + step.stopPrimaryHealthy + step.stopPrimaryOther,
          };
          const everything = s.primaryHealthy + s.primaryOther + s.oldHealthy + s.oldOther + s.stopping;
          assert.ok(everything <= maxTotal, `over maximumPercent: ${everything} > ${maxTotal}`);
          const healthy = s.primaryHealthy + s.oldHealthy;
          assert.ok(healthy >= Math.min(minHealthy, healthyBefore), `under minimumHealthyPercent: ${healthy}`);
          // Time passes: stopped tasks go, new ones become healthy (a few fail and are replaced).
          const failed = round % 2 === 0 ? Math.min(flaky, s.primaryOther) : 0;
          s = { ...s, stopping: 0, primaryHealthy: s.primaryHealthy + s.primaryOther - failed, primaryOther: 0 };
          if (s.primaryHealthy === desired && s.oldHealthy + s.oldOther === 0) return;
        }
        assert.fail(`the rollout did not complete: ${JSON.stringify(s)}`);
      },
    ),
    { numRuns: 500 },
  );
});

test('scaling down stops the surplus, not-healthy tasks first', () => {
  const step = planStep({
    desired: 2,
    minimumHealthyPercent: 100,
    maximumPercent: 200,
    primaryHealthy: 3,
    primaryOther: 1,
    oldHealthy: 0,
    oldOther: 0,
    stopping: 0,
  });
  assert.deepEqual(step, { start: 0, stopOldOther: 0, stopOldHealthy: 0, stopPrimaryOther: 1, stopPrimaryHealthy: 1 });
});

test('min 100 / max 150 with 2 tasks: one new task at a time, an old one stops only when a new one is healthy', () => {
  const base = { desired: 2, minimumHealthyPercent: 100, maximumPercent: 150, primaryOther: 0, oldOther: 0 };
  assert.deepEqual(planStep({ ...base, primaryHealthy: 0, oldHealthy: 2, stopping: 0 }).start, 1);
  const next = planStep({ ...base, primaryHealthy: 1, oldHealthy: 2, stopping: 0 });
  assert.equal(next.stopOldHealthy, 1);
  assert.equal(next.start, 0, 'the stopping task still takes its room');
});
