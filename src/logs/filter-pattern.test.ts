import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFilter } from './filter-pattern.js';

const pick = (pattern: string, lines: string[]) => lines.filter(compileFilter(pattern));

test('terms, phrases, exclusions and optional terms select as CloudWatch Logs does', () => {
  const lines = ['ERROR disk full', 'ERROR Exiting now', 'WARN low memory', 'INFO all good', 'error lower case'];
  assert.deepEqual(pick('', lines), lines);
  assert.deepEqual(pick('ERROR', lines), ['ERROR disk full', 'ERROR Exiting now']);
  assert.deepEqual(pick('ERROR -Exiting', lines), ['ERROR disk full']);
  assert.deepEqual(pick('?ERROR ?WARN', lines), ['ERROR disk full', 'ERROR Exiting now', 'WARN low memory']);
  assert.deepEqual(pick('"low memory"', lines), ['WARN low memory']);
  assert.deepEqual(pick('ERROR full', lines), ['ERROR disk full']);
});

test('JSON patterns compare fields, with wildcards, && and ||', () => {
  const lines = [
    '{"level":"error","latency":250,"user":{"id":"u-1"}}',
    '{"level":"info","latency":20}',
    '{"level":"error","latency":5}',
    'not json',
  ];
  assert.deepEqual(pick('{ $.level = "error" }', lines), [lines[0], lines[2]]);
  assert.deepEqual(pick('{ $.level = "error" && $.latency > 100 }', lines), [lines[0]]);
  assert.deepEqual(pick('{ $.latency < 10 || $.level = "info" }', lines), [lines[1], lines[2]]);
  assert.deepEqual(pick('{ $.user.id = "u-*" }', lines), [lines[0]]);
  assert.deepEqual(pick('{ $.level != "error" }', lines), [lines[1]]);
  assert.throws(() => compileFilter('{ level = error }'), /Invalid filter pattern/);
  assert.throws(() => compileFilter('[ip, user]'), /not implemented/);
});
