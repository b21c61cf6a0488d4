import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stoppable } from './depends-on.js';

const defs = [
  { name: 'db' },
  { name: 'proxy', dependsOn: [{ containerName: 'db', condition: 'START' }] },
  { name: 'app', dependsOn: [{ containerName: 'proxy', condition: 'HEALTHY' }] },
  { name: 'sidecar' },
];

test('dependents stop before what they depend on', () => {
  assert.deepEqual(stoppable(defs, new Set(['db', 'proxy', 'app', 'sidecar'])), ['app', 'sidecar']);
  assert.deepEqual(stoppable(defs, new Set(['db', 'proxy', 'sidecar'])), ['proxy', 'sidecar']);
  assert.deepEqual(stoppable(defs, new Set(['db'])), ['db']);
});

test('a dependent that already stopped does not hold anything back', () => {
  assert.deepEqual(stoppable(defs, new Set(['db', 'app'])), ['db', 'app']);
  assert.deepEqual(stoppable(defs, new Set()), []);
});
