import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../kernel/errors.js';
import type { QueryTarget } from './ast.js';
import { evaluateQuery } from './evaluate.js';
import { parseQuery } from './parse.js';

const target = (over: Partial<QueryTarget> = {}): QueryTarget => ({
  attributes: { 'ecs.availability-zone': 'us-east-1a', 'ecs.instance-type': 't2.micro', stack: 'prod' },
  taskGroups: { 'service:web': 1 },
  agentConnected: true,
  registeredAt: Date.UTC(2024, 0, 1),
  runningTasksCount: 3,
  ...over,
});
const holds = (q: string, t = target()) => evaluateQuery(parseQuery(q), t);

describe('cluster query language', () => {
  it('compares attributes with every operator spelling', () => {
    assert.equal(holds('attribute:ecs.availability-zone == us-east-1a'), true);
    assert.equal(holds('attribute:ecs.availability-zone equals us-east-1b'), false);
    assert.equal(holds('attribute:stack != dev'), true);
    assert.equal(holds('attribute:ecs.instance-type =~ t2.*'), true);
    assert.equal(holds('attribute:ecs.instance-type matches g2.*'), false);
    assert.equal(holds('attribute:ecs.instance-type !~ g2.*'), true);
    assert.equal(holds('attribute:ecs.availability-zone in [us-east-1a, us-east-1b]'), true);
    assert.equal(holds('attribute:ecs.availability-zone not_in [us-east-1a]'), false);
    assert.equal(holds('attribute:stack exists'), true);
    assert.equal(holds('attribute:gpu !exists'), true);
    assert.equal(holds('runningTasksCount > 2'), true);
    assert.equal(holds('runningTasksCount <= 2'), false);
    assert.equal(holds('registeredAt < 2024-06-01'), true);
    assert.equal(holds('agentConnected == true'), true);
  });

  it('combines with and/or/not and parentheses', () => {
    assert.equal(holds('attribute:ecs.instance-type =~ g2.* or attribute:ecs.instance-type =~ t2.*'), true);
    assert.equal(holds('attribute:stack == prod and not(attribute:ecs.availability-zone == us-east-1a)'), false);
    assert.equal(holds('(attribute:stack == dev || attribute:stack == prod) && runningTasksCount < 10'), true);
    assert.equal(holds('!(attribute:stack == prod)'), false);
  });

  it('asks task:group of the tasks on the instance', () => {
    assert.equal(holds('task:group == service:web'), true);
    assert.equal(holds('not(task:group == database)'), true);
    assert.equal(holds('task:group == database', target({ taskGroups: {} })), false);
  });

  it('refuses malformed expressions, saying where', () => {
    for (const q of [
      '',
      'attribute:x ===',
      'attribute:x in a',
      '(attribute:x == 1',
      'attribute:x == 1 extra',
      'attribute:x ?? 1',
      // Operator names are looked up among berth's own, never on Object.prototype.
      'attribute:x constructor y',
      'attribute:x __proto__ y',
    ]) {
      assert.throws(
        () => parseQuery(q),
        (e: unknown) => e instanceof BerthError && e.kind === 'InvalidParameter',
        q,
      );
    }
  });
});
