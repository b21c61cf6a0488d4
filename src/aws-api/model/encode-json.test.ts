import assert from 'node:assert/strict';
import { it } from 'node:test';
import { encodeJsonText } from './encode-json.js';
import type { ServiceModel } from './types.js';

const model = {
  metadata: { apiVersion: '1', endpointPrefix: 't', protocol: 'json', serviceId: 'T' },
  operations: {},
  shapes: {
    Out: {
      type: 'structure',
      members: {
        s: { shape: 'S' },
        n: { shape: 'N' },
        d: { shape: 'D' },
        b: { shape: 'B' },
        l: { shape: 'L' },
      },
    },
    S: { type: 'string' },
    N: { type: 'integer' },
    D: { type: 'double' },
    B: { type: 'boolean' },
    L: { type: 'list', member: { shape: 'S' } },
  },
} as unknown as ServiceModel;

it('writes scalars exactly as JSON.stringify does, whatever a string holds', () => {
  const strings = [
    'arn:aws:ecs:us-east-1:000000000000:task/default/abc',
    '',
    'quote " and backslash \\',
    'control \u0000\u0001\n\t\u001f',
    'line separators \u2028\u2029',
    'pair \ud83d\ude00 and lone \ud800 and \udfff',
    'ünïcödé',
  ];
  for (const s of strings) {
    const text = encodeJsonText(model, 'Out', { s, l: [s] }) as string;
    assert.equal(text, JSON.stringify({ s, l: [s] }));
    assert.deepEqual(JSON.parse(text), { s, l: [s] });
  }
  for (const n of [0, -0, 1, -7, 2 ** 53, 1e21, 1.5e-7, NaN, Infinity]) {
    assert.equal(encodeJsonText(model, 'Out', { n, d: n }), JSON.stringify({ n, d: n }));
  }
  assert.equal(encodeJsonText(model, 'Out', { b: true }), '{"b":true}');
  assert.equal(encodeJsonText(model, 'Out', { b: false }), '{"b":false}');
  // A value of another type than its shape's is still valid JSON.
  assert.equal(encodeJsonText(model, 'Out', { s: 5, n: '7', b: 'yes' }), '{"s":5,"n":"7","b":"yes"}');
});
