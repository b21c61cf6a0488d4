import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeInput } from '../../src/aws-api/model/decode.js';
import { loadModel } from '../../src/aws-api/model/load.js';
import type { ServiceModel } from '../../src/aws-api/model/types.js';

/**
 * Every pattern of every model berth serves, applied to inputs built to make a backtracking
 * engine explode (a long run of a character the pattern repeats, then one that breaks the
 * match). Each must cost about what a trivial pattern costs on an input of the same length:
 * timed as a ratio, never as an absolute number.
 */
const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
const LENGTH = 4000;

function wrapperModel(pattern: string, max?: number): ServiceModel {
  return {
    metadata: { apiVersion: 'x', endpointPrefix: 'x', protocol: 'json', serviceId: 'x' },
    operations: {},
    shapes: {
      In: { type: 'structure', members: { v: { shape: 'S' } } },
      S: { type: 'string', pattern, ...(max !== undefined ? { max } : {}) },
    },
  } as unknown as ServiceModel;
}

/** Characters the pattern names, plus a few that usually break it. */
function alphabet(pattern: string): string[] {
  const chars = new Set<string>(['a', '0', ' ', '-', ':', '/', '.', '\u0000', '!', '\u00e9']);
  for (const ch of pattern.replace(/\\[dwsDWS]/g, '')) if (/[A-Za-z0-9:/._@=+,-]/.test(ch)) chars.add(ch);
  return [...chars];
}

function worstInputs(pattern: string): string[] {
  const out: string[] = [];
  for (const a of alphabet(pattern)) {
    for (const breaker of ['!', '\u0000', ' ', '']) out.push(a.repeat(LENGTH) + breaker);
    out.push(`${a}:`.repeat(LENGTH / 2) + '\n');
  }
  return out;
}

function timeDecode(model: ServiceModel, inputs: string[]): number {
  const t0 = process.hrtime.bigint();
  for (const v of inputs) decodeInput(model, 'In', { v });
  return Number(process.hrtime.bigint() - t0);
}

test('every model pattern matches worst-case inputs in time linear in their length', () => {
  const patterns = new Map<string, string>();
  for (const service of readdirSync(modelsDir)) {
    for (const [name, shape] of Object.entries(loadModel(service).shapes)) {
      if (shape.pattern) patterns.set(shape.pattern, `${service}.${name}`);
    }
  }
  assert.ok(patterns.size > 50, `found ${patterns.size} patterns`);
  const trivial = wrapperModel('[a-z]*');
  const slow: string[] = [];
  for (const [pattern, where] of patterns) {
    const inputs = worstInputs(pattern);
    const model = wrapperModel(pattern);
    timeDecode(model, inputs.slice(0, 2)); // compile and warm up
    timeDecode(trivial, inputs.slice(0, 2));
    // The better of three runs each, so a pause of the host does not read as a slow pattern.
    const base = Math.min(...[0, 1, 2].map(() => timeDecode(trivial, inputs)));
    const cost = Math.min(...[0, 1, 2].map(() => timeDecode(model, inputs)));
    if (cost > base * 60) slow.push(`${where} /${pattern}/: ${(cost / base).toFixed(1)}× a trivial pattern`);
  }
  assert.deepEqual(slow, []);
});

test('the pattern that froze berth for 46 s is checked at once and still refuses what it should', () => {
  const ecr = loadModel('ecr');
  const shape = ecr.shapes['ScanningRepositoryFilterValue'];
  assert.ok(shape?.pattern);
  const model = wrapperModel(shape.pattern);
  const bad = 'a'.repeat(27) + '!';
  const r = decodeInput(model, 'In', { v: bad });
  assert.equal(r.constraintErrors.length, 1);
  assert.match(r.constraintErrors[0] ?? '', /regular expression pattern/);
  assert.deepEqual(decodeInput(model, 'In', { v: 'repo-*' }).constraintErrors, []);
});
