import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KINDS } from '../kube/index.js';
import { builtinSchema } from './openapi-schemas.js';

describe('the built-in kinds’ OpenAPI schemas', () => {
  it('are OpenAPI 3.0: no null types, no closed objects, no JSON Schema keywords it lacks; each names its kind', () => {
    const bad: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (Array.isArray(v)) return v.forEach((e, i) => walk(e, `${at}[${i}]`));
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (Array.isArray(o['type'])) bad.push(`${at}.type`);
      if (o['additionalProperties'] === false) bad.push(`${at}.additionalProperties`);
      for (const k of ['$schema', 'propertyNames', 'const']) if (Object.hasOwn(o, k)) bad.push(`${at}.${k}`);
      for (const [k, e] of Object.entries(o)) walk(e, `${at}.${k}`);
    };
    for (const k of KINDS.filter((k) => !k.virtual)) {
      const [entry] = builtinSchema(k);
      assert.ok(entry, k.kind);
      const schema = entry[1] as { 'x-kubernetes-group-version-kind': unknown[] };
      assert.deepEqual(schema['x-kubernetes-group-version-kind'], [
        { group: k.group, version: k.version, kind: k.kind },
      ]);
      walk(schema, k.kind);
    }
    assert.deepEqual(bad, []);
    const cm = builtinSchema(KINDS.find((k) => k.kind === 'ConfigMap') as (typeof KINDS)[number])[0]?.[1] as {
      properties: { data: unknown; immutable: unknown };
    };
    assert.deepEqual(cm.properties.data, { type: 'object', additionalProperties: { type: 'string' }, nullable: true });
    assert.deepEqual(cm.properties.immutable, { type: 'boolean', nullable: true });
  });
});
