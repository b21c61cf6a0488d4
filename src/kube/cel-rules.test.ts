import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { celCauses, celValue } from './cel-rules.js';
import { CRD } from './crd-kind.js';
import { findKind } from './custom-kinds.js';
import type { Schema } from './openapi-schema.js';
import { schemaProblems } from './openapi-schema-rules.js';
import { createObject, updateObject } from './objects.js';
import { testKube } from './test-kube.js';

const causes = (s: Schema, next: Record<string, unknown>, prev?: Record<string, unknown>) =>
  celCauses(s, next, prev).causes.map((c) => `${c.field}: ${c.message}`);

const scaling: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        min: { type: 'integer' },
        max: { type: 'integer' },
        mode: { type: 'string' },
        name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'is immutable' }] },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, port: { type: 'integer' } },
            'x-kubernetes-validations': [
              { rule: 'self.port > oldSelf.port || self.port == oldSelf.port', message: 'a port may only grow' },
            ],
          },
        },
      },
      'x-kubernetes-validations': [
        { rule: 'self.min <= self.max', messageExpression: "'min ' + string(self.min) + ' is above max'" },
        {
          rule: "!has(self.mode) || self.mode != 'legacy'",
          reason: 'FieldValueForbidden',
          message: 'legacy mode is gone',
        },
        { rule: "!has(self.mode) || self.mode.matches('^[a-z]+$')", fieldPath: '.mode' },
      ],
    },
  },
};

describe('x-kubernetes-validations (CEL)', () => {
  it('checks rules with their messages, reasons and field paths, integers as CEL ints', () => {
    assert.deepEqual(causes(scaling, { spec: { min: 1, max: 3, mode: 'fast' } }), []);
    assert.deepEqual(causes(scaling, { spec: { min: 5, max: 3, mode: 'legacy' } }), [
      'spec: Invalid value: "object": min 5 is above max',
      'spec: Forbidden: legacy mode is gone',
    ]);
    assert.deepEqual(causes(scaling, { spec: { min: 1, max: 3, mode: 'Fast' } }), [
      'spec.mode: Invalid value: "object": failed rule: !has(self.mode) || self.mode.matches(\'^[a-z]+$\')',
    ]);
    // A missing field is CEL's error, reported with the rule.
    assert.deepEqual(causes(scaling, { spec: { min: 1 } }), [
      'spec: Invalid value: "object": field not found: max evaluating rule: self.min <= self.max',
    ]);
    assert.equal(celValue({ type: 'integer' }, 3), 3n);
    assert.equal(celValue({ type: 'number' }, 3), 3);
    // Keys that name Object.prototype members are map keys, nothing more.
    const m = celValue({ type: 'object', additionalProperties: { type: 'string' } }, { constructor: 'x' }) as Map<
      string,
      unknown
    >;
    assert.equal(m.get('constructor'), 'x');
    assert.equal(m.get('toString'), undefined);
  });

  it('runs transition rules on updates only, matching map-list elements by their keys', () => {
    const old = { spec: { min: 1, max: 2, name: 'a', ports: [{ name: 'http', port: 80 }] } };
    assert.deepEqual(causes(scaling, { spec: { min: 1, max: 2, name: 'b', ports: [{ name: 'web', port: 1 }] } }), []);
    assert.deepEqual(
      causes(
        scaling,
        {
          spec: {
            min: 1,
            max: 2,
            name: 'b',
            ports: [
              { name: 'x', port: 1 },
              { name: 'http', port: 79 },
            ],
          },
        },
        old,
      ),
      [
        'spec.name: Invalid value: "string": is immutable',
        'spec.ports[1]: Invalid value: "object": a port may only grow',
      ],
    );
    assert.deepEqual(
      causes(scaling, { spec: { min: 1, max: 2, name: 'a', ports: [{ name: 'http', port: 81 }] } }, old),
      [],
    );
  });

  it('warns of a function berth lacks instead of refusing, and stops at its time budget', () => {
    const s: Schema = {
      type: 'object',
      properties: {
        l: {
          type: 'array',
          items: { type: 'integer' },
          'x-kubernetes-validations': [{ rule: "self.all(x, isSemver('1.0.0'))" }],
        },
      },
    };
    const r = celCauses(s, { l: [2, 1] }, undefined);
    assert.deepEqual(r.causes, []);
    assert.match(
      r.warnings[0] ?? '',
      /rule "self.all\(x, isSemver\('1.0.0'\)\)" at l was not checked: unbound function: isSemver/,
    );
    // Kubernetes' list library is there.
    const lists: Schema = {
      type: 'object',
      properties: { l: { type: 'array', items: { type: 'integer' } }, w: { type: 'array', items: { type: 'string' } } },
      'x-kubernetes-validations': [
        { rule: 'self.l.isSorted()', message: 'sorted' },
        { rule: 'self.l.sum() == 6 && self.l.min() == 1 && self.l.max() == 3', message: 'sum' },
        { rule: "self.w.indexOf('b') == 1 && self.w.lastIndexOf('a') == 2", message: 'index' },
      ],
    };
    assert.deepEqual(causes(lists, { l: [1, 2, 3], w: ['a', 'b', 'a'] }), []);
    assert.deepEqual(causes(lists, { l: [3, 2, 1], w: ['b', 'a'] }), [
      '<nil>: Invalid value: "object": sorted',
      '<nil>: Invalid value: "object": index',
    ]);
    const heavy: Schema = {
      type: 'object',
      properties: {
        l: {
          type: 'array',
          items: { type: 'integer' },
          'x-kubernetes-validations': [{ rule: 'self.all(x, self.all(y, self.all(z, x + y + z >= 0)))' }],
        },
      },
    };
    const t = celCauses(heavy, { l: Array.from({ length: 2000 }, (_, i) => i) }, undefined, 50);
    assert.deepEqual(
      t.causes.map((c) => c.message),
      ['Forbidden: the x-kubernetes-validations rules took longer than 50 ms; no further validation rules were run'],
    );
  });

  it('has Kubernetes’ IP, CIDR, URL, quantity and regex libraries', () => {
    const rule = (r: string, type = 'string'): Schema => ({ type, 'x-kubernetes-validations': [{ rule: r }] });
    const s: Schema = {
      type: 'object',
      properties: {
        gateway: rule("isIP(self) && ip(self).family() == 4 && cidr('10.0.0.0/8').containsIP(self)"),
        pool: rule('isCIDR(self) && cidr(self) == cidr(self).masked() && cidr(self).prefixLength() <= 24'),
        v6: rule('ip.isCanonical(self) && !ip(self).isLoopback()'),
        hook: rule("isURL(self) && url(self).getScheme() == 'https' && url(self).getQuery()['v'] == ['1']"),
        memory: rule("isQuantity(self) && quantity(self).isLessThan(quantity('1Gi')) && quantity(self).sign() == 1"),
      },
    };
    const good = {
      gateway: '10.1.2.3',
      pool: '10.8.0.0/16',
      v6: '2001:db8::1',
      hook: 'https://hooks.example/x?v=1',
      memory: '512Mi',
    };
    assert.deepEqual(causes(s, good), []);
    const bad = {
      gateway: '192.168.0.1',
      pool: '10.8.1.0/16',
      v6: '2001:db8:0::1',
      hook: 'http://hooks.example/x?v=1',
      memory: '2Gi',
    };
    assert.deepEqual(
      causes(s, bad).map((c) => c.split(':')[0]),
      ['gateway', 'pool', 'v6', 'hook', 'memory'],
    );
    // The regex library, on RE2 (linear time whatever the input).
    const tags: Schema = {
      type: 'object',
      properties: {
        v: rule(
          "self.find('[0-9]+') == '12' && self.findAll('[a-z]+').size() == 2 && self.findAll('[a-z]+', 1) == ['ab']",
        ),
        slow: rule("self.findAll('(a+)+$').size() == 0"),
      },
    };
    assert.deepEqual(causes(tags, { v: 'ab-12-cd', slow: `${'a'.repeat(20_000)}!` }), []);
    // A value that is not one: the rule's own error, not a crash.
    assert.match(
      causes({ ...s, properties: { g: rule('ip(self).family() == 4') } }, { g: 'nope' })[0] ?? '',
      /IP Address "nope" parse error/,
    );
    assert.match(
      causes({ ...s, properties: { m: rule("{'a': 1}.family() == 4", 'object') } }, { m: {} })[0] ?? '',
      /no such overload: family/,
    );
  });

  it('refuses a CRD whose rules do not compile, and serves one whose rules hold', async () => {
    assert.deepEqual(
      schemaProblems(
        { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.a ==' }, { rule: 'true', reason: 'Nope' }] },
        's',
      ).map((c) => `${c.field}: ${c.message}`),
      [
        's.x-kubernetes-validations[0].rule: Invalid value: "self.a ==": compilation failed: ERROR: <input>:1:8: found = but expecting end of input',
        's.x-kubernetes-validations[1].reason: Unsupported value: "Nope": supported values: "FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"',
      ],
    );
    const undefinedField = (rule: string) =>
      schemaProblems(
        {
          type: 'object',
          properties: {
            spec: { type: 'object', properties: { a: { type: 'integer' } } },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
          'x-kubernetes-validations': [{ rule }],
        },
        's',
      ).map((c) => c.message);
    assert.deepEqual(undefinedField('self.spec.b > 0'), [
      'Invalid value: "self.spec.b > 0": compilation failed: ERROR: undefined field \'b\'',
    ]);
    assert.deepEqual(undefinedField("has(self.spec.a) && self.labels.anything == 'x' && self.metadata.name != ''"), []);
    assert.deepEqual(undefinedField('self.spec.a.all(x, x.nope)'), [], 'what a macro binds is not self');
    const deps = await testKube();
    await createObject(
      deps,
      { cluster: 'c', kind: CRD },
      {
        metadata: { name: 'ranges.example.com' },
        spec: {
          group: 'example.com',
          names: { plural: 'ranges', kind: 'Range' },
          scope: 'Namespaced',
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: scaling } }],
        },
      },
    );
    const kind = findKind(deps, 'c', 'example.com', 'v1', 'ranges');
    assert.ok(kind);
    const scope = { cluster: 'c', kind, namespace: 'default' };
    await createObject(deps, scope, {
      apiVersion: 'example.com/v1',
      kind: 'Range',
      metadata: { name: 'r' },
      spec: { min: 1, max: 2, name: 'a' },
    });
    const refused = await createObject(deps, scope, {
      apiVersion: 'example.com/v1',
      kind: 'Range',
      metadata: { name: 'bad' },
      spec: { min: 3, max: 2 },
    }).catch((e: unknown) => e);
    assert.ok(refused instanceof BerthError && refused.kind === 'InvalidParameter');
    assert.match(
      refused.message,
      /Range.example.com "bad" is invalid: spec: Invalid value: "object": min 3 is above max/,
    );
    const renamed = await updateObject(deps, scope, 'r', (o) => ({ ...o, spec: { min: 1, max: 2, name: 'b' } })).catch(
      (e: unknown) => e,
    );
    assert.ok(renamed instanceof BerthError);
    assert.match(renamed.message, /spec.name: Invalid value: "string": is immutable/);
  });
});
