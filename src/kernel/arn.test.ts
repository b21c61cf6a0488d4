import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatArn, isArn, parseArn } from './arn.js';
import { BerthError } from './errors.js';

describe('ARNs', () => {
  it('formats and parses the long ECS form, keeping slashes and colons in the resource', () => {
    const text = formatArn({
      service: 'ecs',
      region: 'us-east-1',
      accountId: '000000000000',
      resource: 'task/prod/abc',
    });
    assert.equal(text, 'arn:aws:ecs:us-east-1:000000000000:task/prod/abc');
    assert.deepEqual(parseArn('arn:aws:logs:eu-west-1:1:log-group:/ecs/web:*'), {
      partition: 'aws',
      service: 'logs',
      region: 'eu-west-1',
      accountId: '1',
      resource: 'log-group:/ecs/web:*',
    });
  });

  it('refuses what is not an ARN, naming the field', () => {
    assert.throws(
      () => parseArn('cluster/prod', 'cluster'),
      (e: unknown) => e instanceof BerthError && e.kind === 'InvalidParameter' && e.detail.field === 'cluster',
    );
    assert.equal(isArn('default'), false);
    assert.equal(isArn('arn:aws:ecs:us-east-1:1:cluster/default'), true);
  });
});
