import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicy } from './document.js';

const text = (Statement: unknown, extra: object = {}) => JSON.stringify({ Version: '2012-10-17', Statement, ...extra });

describe('policy documents', () => {
  it('puts every string-or-list element in one shape', () => {
    const p = parsePolicy(text({ Effect: 'Allow', Action: 'ecs:RunTask', Resource: '*' }));
    assert.deepEqual(p.statements[0]?.action, ['ecs:RunTask']);
    assert.deepEqual(p.statements[0]?.resource, ['*']);
  });

  const refused: [string, string, 'identity' | 'resource', RegExp][] = [
    ['not JSON', '{', 'identity', /Syntax errors in policy/],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' }), 'identity', /Missing required field Statement/],
    ['an unknown version', text([], { Version: '2020-01-01' }), 'identity', /Version must be/],
    ['an unknown top-level field', text([], { Extra: 1 }), 'identity', /Unknown field Extra/],
    ['a bad Effect', text({ Effect: 'Maybe', Action: '*', Resource: '*' }), 'identity', /Effect must be Allow or Deny/],
    [
      'both Action and NotAction',
      text({ Effect: 'Allow', Action: '*', NotAction: 'x:y', Resource: '*' }),
      'identity',
      /exactly one of Action/,
    ],
    ['no resource in an identity policy', text({ Effect: 'Allow', Action: '*' }), 'identity', /must contain resources/],
    [
      'a principal in an identity policy',
      text({ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }),
      'identity',
      /should not specify a principal/,
    ],
    [
      'no principal in a trust policy',
      text({ Effect: 'Allow', Action: 'sts:AssumeRole' }),
      'resource',
      /Missing required field Principal/,
    ],
    [
      'an action without a vendor',
      text({ Effect: 'Allow', Action: 'RunTask', Resource: '*' }),
      'identity',
      /prefaced by a vendor/,
    ],
    [
      'a resource that is not an ARN',
      text({ Effect: 'Allow', Action: '*', Resource: 'cluster/x' }),
      'identity',
      /ARN format/,
    ],
    [
      'an unknown condition operator',
      text({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringSortOf: { a: 'b' } } }),
      'identity',
      /Invalid Condition type : StringSortOf/,
    ],
    [
      'an operator named after an Object property',
      text({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { constructor: { a: 'b' } } }),
      'identity',
      /Invalid Condition type : constructor/,
    ],
    [
      'an IfExists operator named after an Object property',
      text({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { toStringIfExists: { a: 'b' } } }),
      'identity',
      /Invalid Condition type : toStringIfExists/,
    ],
    [
      'an unknown statement field',
      text({ Effect: 'Allow', Action: '*', Resource: '*', __proto__x: 1 }),
      'identity',
      /Unknown field/,
    ],
    ['too deep', `{"Statement":${'['.repeat(40)}${']'.repeat(40)}}`, 'identity', /nested too deeply/],
  ];
  for (const [name, doc, kind, message] of refused)
    it(`refuses ${name} as MalformedPolicyDocument`, () =>
      assert.throws(
        () => parsePolicy(doc, kind),
        (e: Error & { detail?: { reason?: string } }) =>
          message.test(e.message) && e.detail?.reason === 'policy-malformed',
      ));

  it('keeps a crafted condition key as data, never as a prototype', () => {
    const p = parsePolicy(
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"__proto__":"x"}}}}',
    );
    const block = p.statements[0]?.condition?.['StringEquals'];
    assert.deepEqual(Object.keys(block ?? {}), ['__proto__']);
    assert.equal(Object.getPrototypeOf(block), null);
  });
});
