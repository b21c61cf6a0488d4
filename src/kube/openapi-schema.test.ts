import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applySchema, type Schema } from './openapi-schema.js';
import { schemaProblems } from './openapi-schema-rules.js';

const messages = (root: Schema, o: Record<string, unknown>) =>
  applySchema(root, structuredClone(o)).causes.map((c) => `${c.field}: ${c.message}`);

const spec = (props: Record<string, Schema>, extra: Partial<Schema> = {}): Schema => ({
  type: 'object',
  properties: { spec: { type: 'object', properties: props, ...extra } },
});

describe('CRD schemas: value validations', () => {
  it('checks oneOf, anyOf, allOf and not without defaulting or pruning inside them', () => {
    const s = spec(
      {
        a: { type: 'string' },
        b: { type: 'string' },
        port: {
          type: 'integer',
          anyOf: [
            { minimum: 1, maximum: 1024 },
            { minimum: 8000, maximum: 9000 },
          ],
        },
        name: { type: 'string', not: { enum: ['admin', 'root'] } },
        size: { type: 'integer', allOf: [{ minimum: 1 }, { multipleOf: 2 }] },
      },
      { oneOf: [{ required: ['a'] }, { required: ['b'] }] },
    );
    assert.deepEqual(messages(s, { spec: { a: 'x', port: 80, name: 'web', size: 4 } }), []);
    assert.deepEqual(messages(s, { spec: { a: 'x', b: 'y' } }), [
      'spec: Invalid value: "object": spec in body must validate one and only one schema (oneOf). Found 2 valid alternatives',
    ]);
    assert.deepEqual(messages(s, { spec: {} }), [
      'spec: Invalid value: "object": spec in body must validate one and only one schema (oneOf). Found none valid',
    ]);
    assert.deepEqual(messages(s, { spec: { a: 'x', port: 5000, name: 'root', size: 3 } }), [
      'spec.port: Invalid value: 5000: spec.port in body must validate at least one schema (anyOf)',
      'spec.name: Invalid value: "root": spec.name in body must not validate the schema (not)',
      'spec.size: Invalid value: 3: spec.size in body should be a multiple of 2',
    ]);
    // A branch's properties check values; they neither default nor count as known fields.
    const d: Schema = {
      type: 'object',
      properties: { x: { type: 'object', properties: { k: { type: 'string' } } } },
      anyOf: [{ properties: { x: { properties: { k: { pattern: '^a' } } } } }],
    };
    const o = { x: { k: 'abc', extra: 1 } };
    const r = applySchema(d, o);
    assert.deepEqual(r.causes, []);
    assert.deepEqual(r.unknown, [{ parent: ['x'], key: 'extra' }], 'only the outside schema knows fields');
    assert.match(messages(d, { x: { k: 'b' } })[0] ?? '', /must validate at least one schema \(anyOf\)/);
  });

  it('checks property counts and list types: duplicate set elements and map keys', () => {
    const s = spec({
      labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2, minProperties: 1 },
      tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['port', 'protocol'],
        items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string' } } },
      },
    });
    assert.deepEqual(
      messages(s, {
        spec: {
          labels: { a: '1', b: '2', c: '3' },
          tags: ['x', 'y', 'x'],
          ports: [
            { port: 80, protocol: 'TCP' },
            { port: 80, protocol: 'UDP' },
            { port: 80, protocol: 'TCP' },
          ],
        },
      }),
      [
        'spec.labels: Too many: 3: must have at most 2 items',
        'spec.tags[2]: Duplicate value: "x"',
        'spec.ports[2]: Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}',
      ],
    );
    assert.deepEqual(messages(s, { spec: { labels: {} } }), [
      'spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties',
    ]);
  });

  it('refuses schemas that are not structural, set uniqueItems, or misuse list types', () => {
    const problems = (s: unknown) => schemaProblems(s, 'schema').map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(
      problems({ type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ required: ['a'] }] }),
      [],
    );
    // x-kubernetes-int-or-string's own pattern may name types in anyOf.
    assert.deepEqual(
      problems({
        type: 'object',
        properties: {
          v: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        },
      }),
      [],
    );
    assert.deepEqual(
      problems({
        type: 'object',
        properties: { a: { type: 'string' } },
        oneOf: [{ type: 'object', properties: { b: { type: 'string' } } }],
        not: { default: 1 },
      }),
      [
        'schema.oneOf[0].type: Forbidden: must be empty to be structural',
        'schema.oneOf[0].properties[b]: Required value: because it is defined in schema.oneOf[0].properties[b]',
        'schema.not.default: Forbidden: must be empty to be structural',
      ],
    );
    assert.deepEqual(problems({ type: 'array', items: { type: 'string' }, uniqueItems: true }), [
      'schema.uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
    ]);
    assert.deepEqual(problems({ type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'map' }), [
      'schema.x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map',
    ]);
    assert.deepEqual(problems({ type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'bag' }), [
      'schema.x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"',
    ]);
    assert.deepEqual(problems({ type: 'integer', multipleOf: 0 }), [
      'schema.multipleOf: Invalid value: must be greater than zero',
    ]);
  });
});
