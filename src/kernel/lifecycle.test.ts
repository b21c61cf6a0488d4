import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Lifecycle } from './lifecycle.js';

it('stops components last started first, once, past one that fails', async () => {
  const l = new Lifecycle();
  const order: string[] = [];
  l.started('store', () => void order.push('store'));
  l.started('http', async () => {
    await new Promise((r) => setTimeout(r, 5));
    order.push('http');
  });
  l.started('controller', () => {
    throw new Error('stuck');
  });
  l.started('agents', () => void order.push('agents'));
  const errors: string[] = [];
  const first = l.stopAll((name) => errors.push(name));
  const second = l.stopAll((name) => errors.push(name));
  await Promise.all([first, second]);
  assert.deepEqual(order, ['agents', 'http', 'store']);
  assert.deepEqual(errors, ['controller']);
});
