import type { ServiceModel } from '../../src/aws-api/model/types.js';

/**
 * Request inputs made from a service's model, to throw at berth: mostly shaped like the model
 * (so calls reach the handlers), with hostile values mixed in — wrong types, missing members,
 * huge and empty strings, unicode and NUL, and objects whose keys are `__proto__`,
 * `constructor` and `prototype`.
 */
export type Rng = () => number;

/** A small seeded generator (mulberry32), so a failing case can be run again. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

function hostileObject(r: Rng, depth: number): Record<string, unknown> {
  // JSON.parse keeps `__proto__` as an own key; building the text by hand does the same here.
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, pick(r, HOSTILE_KEYS), {
    value: depth > 0 && r() < 0.5 ? hostileObject(r, depth - 1) : hostileValue(r, 0),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return o;
}

function hostileValue(r: Rng, depth: number): unknown {
  switch (Math.floor(r() * 12)) {
    case 0:
      return '';
    case 1:
      return 'x'.repeat(Math.floor(r() * 70_000));
    case 2:
      return '\u0000\u202e../../x\ud800';
    case 3:
      return -1;
    case 4:
      return 1e308;
    case 5:
      return 2 ** 53 + 1;
    case 6:
      return true;
    case 7:
      return null;
    case 8:
      return [];
    case 9:
      return depth > 0 ? hostileObject(r, depth - 1) : {};
    case 10:
      return 'é🚀'.repeat(Math.floor(r() * 300));
    default:
      return 'a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b';
  }
}

/** Copies keys as own properties (Object.assign would run the `__proto__` setter instead). */
function merge(out: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const k of Object.keys(from))
    Object.defineProperty(out, k, { value: from[k], enumerable: true, writable: true, configurable: true });
}

function valid(model: ServiceModel, shapeName: string, r: Rng, depth: number): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) return undefined;
  if (r() < 0.08) return hostileValue(r, 2);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      if (depth > 6) return out;
      for (const [name, ref] of Object.entries(shape.members)) {
        if (ref.location) continue; // headers and labels: the JSON body carries none of these
        if ((shape.required ?? []).includes(name) ? r() < 0.95 : r() < 0.4)
          out[name] = valid(model, ref.shape, r, depth + 1);
      }
      if (r() < 0.15) merge(out, hostileObject(r, 2));
      return out;
    }
    case 'list': {
      const n = depth > 6 ? 0 : Math.floor(r() * 3);
      return Array.from({ length: n }, () => valid(model, shape.member.shape, r, depth + 1));
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      const key = valid(model, shape.key.shape, r, depth + 1);
      if (r() < 0.5)
        merge(out, { [typeof key === 'string' ? key : 'k']: valid(model, shape.value.shape, r, depth + 1) });
      if (r() < 0.2) merge(out, hostileObject(r, 1));
      return out;
    }
    case 'string':
      if (shape.enum) return r() < 0.8 ? pick(r, shape.enum) : 'NOT_AN_ENUM';
      return pick(r, [
        'default',
        'web',
        'x',
        `t${Math.floor(r() * 1000)}`,
        'arn:aws:ecs:us-east-1:000000000000:cluster/default',
      ]);
    case 'integer':
    case 'long':
      return pick(r, [0, 1, 10, 512, -5, 2147483648]);
    case 'double':
    case 'float':
      return pick(r, [0, 1.5, -1]);
    case 'boolean':
      return r() < 0.5;
    case 'timestamp':
      return pick(r, [0, 1700000000, 'not a date']);
    case 'blob':
      return pick(r, ['aGVsbG8=', '!!!']);
    default:
      return undefined;
  }
}

/** One request body for an operation: its input shape filled at random, hostile values mixed in. */
export function inputFor(model: ServiceModel, inputShape: string | undefined, r: Rng): unknown {
  if (!inputShape) return {};
  const v = r() < 0.05 ? hostileObject(r, 3) : valid(model, inputShape, r, 0);
  return v;
}
