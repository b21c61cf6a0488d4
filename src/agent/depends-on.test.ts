import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSpec } from '../wire/index.js';
import { stoppable } from './depends-on.js';

const defs = [
  { name: 'db', startAfter: [] },
  { name: 'proxy', startAfter: [{ container: 'db', condition: 'started' }] },
  { name: 'app', startAfter: [{ container: 'proxy', condition: 'healthy' }] },
  { name: 'sidecar', startAfter: [] },
] as unknown as ContainerSpec[];

test('dependents stop before what they depend on', () => {
  assert.deepEqual(stoppable(defs, new Set(['db', 'proxy', 'app', 'sidecar'])), ['app', 'sidecar']);
  assert.deepEqual(stoppable(defs, new Set(['db', 'proxy', 'sidecar'])), ['proxy', 'sidecar']);
  assert.deepEqual(stoppable(defs, new Set(['db'])), ['db']);
});

test('a dependent that already stopped does not hold anything back', () => {
  assert.deepEqual(stoppable(defs, new Set(['db', 'app'])), ['db', 'app']);
  assert.deepEqual(stoppable(defs, new Set()), []);
});
