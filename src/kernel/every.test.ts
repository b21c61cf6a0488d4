import assert from 'node:assert/strict';
import { it } from 'node:test';
import { every } from './every.js';

it('runs one pass at a time: a pass due while another runs is skipped', async () => {
  let running = 0;
  let most = 0;
  let passes = 0;
  const stop = every(5, async () => {
    running++;
    most = Math.max(most, running);
    passes++;
    await new Promise((r) => setTimeout(r, 30));
    running--;
  });
  await new Promise((r) => setTimeout(r, 120));
  stop();
  assert.equal(most, 1, 'never two at once');
  assert.ok(passes >= 2 && passes <= 5, `${passes} passes of 30 ms in 120 ms`);
});
