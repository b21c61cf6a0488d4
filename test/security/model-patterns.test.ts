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
 * match). Each must cost in proportion to the input's length: the same inputs four times as
 * long may cost about four times as much (a backtracking engine's cost grows as a power or
 * exponentially). Timed as a ratio of the pattern against itself, so neither the host's speed
 * nor a pattern's constant cost (Unicode classes are dearer than ASCII ones) reads as a failure.
 */
const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
const LENGTH = 2000;
/** Linear growth makes about 4× (here at most 5.3×); quadratic 16×. */
const GROWTH = 10;

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

function worstInputs(pattern: string, length: number): string[] {
  const out: string[] = [];
  for (const a of alphabet(pattern)) {
    for (const breaker of ['!', '\u0000', ' ', '']) out.push(a.repeat(length) + breaker);
    out.push(`${a}:`.repeat(length / 2) + '\n');
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
  const slow: string[] = [];
  for (const [pattern, where] of patterns) {
    const short = worstInputs(pattern, LENGTH);
    const long = worstInputs(pattern, LENGTH * 4);
    const model = wrapperModel(pattern);
    timeDecode(model, short.slice(0, 2)); // compile and warm up
    // The better of three runs each, so a pause of the host does not read as a slow pattern.
    const best = (inputs: string[]) => Math.min(...[0, 1, 2].map(() => timeDecode(model, inputs)));
    const [a, b] = [best(short), best(long)];
    if (b > a * GROWTH) slow.push(`${where} /${pattern}/: ${(b / a).toFixed(1)}× the cost for 4× the input`);
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
