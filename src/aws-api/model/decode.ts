import { compileJavaPattern, type LinearRegex } from '../../kernel/index.js';
import type { ServiceModel, Shape, ShapeRef } from './types.js';

/**
 * Checks a request value against its model shape and converts it to what handlers use
 * (timestamps → Date, blobs → Buffer). Two kinds of fault, as AWS reports them: a value of
 * the wrong type (the protocol's SerializationException) and a value breaking a constraint
 * (the service's validation error, in Coral's words: "Value … at 'path' failed to satisfy
 * constraint: …"). Paths use Coral's form: `containerDefinitions.1.member.name`.
 */
export interface DecodeResult {
  value: unknown;
  typeErrors: string[];
  constraintErrors: string[];
}

// Patterns run on RE2, linear in the value's length: a model pattern applied to a crafted value
// cannot stall the event loop. One compiled matcher per pattern; the models hold about a hundred.
const patternCache = new Map<string, LinearRegex | undefined>();

function compilePattern(p: string): LinearRegex | undefined {
  if (!patternCache.has(p)) patternCache.set(p, compileJavaPattern(p));
  return patternCache.get(p);
}

// Enums as sets, made once per shape: a request may check the same enum thousands of times.
const enums = new WeakMap<Shape, ReadonlySet<string>>();
function enumOf(shape: Shape): ReadonlySet<string> {
  let set = enums.get(shape);
  if (!set) enums.set(shape, (set = new Set(shape.enum)));
  return set;
}

/** Length in Unicode code points, as AWS counts it, without copying the string. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return `'${v.length > 100 ? v.slice(0, 100) + '…' : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return `'${String(v)}'`;
  return `'${JSON.stringify(v)?.slice(0, 100)}'`;
}

export function decodeInput(model: ServiceModel, shapeName: string, value: unknown): DecodeResult {
  const res: DecodeResult = { value: undefined, typeErrors: [], constraintErrors: [] };
  res.value = decode(model, shapeName, value ?? {}, '', res);
  return res;
}

const at = (path: string) => (path === '' ? '' : ` at '${path}'`);

function checkLength(shape: Shape, n: number, v: unknown, path: string, res: DecodeResult, unit: string) {
  if (shape.min !== undefined && n < shape.min) {
    res.constraintErrors.push(
      `Value ${show(v)}${at(path)} failed to satisfy constraint: Member must have ${unit} greater than or equal to ${shape.min}`,
    );
  }
  if (shape.max !== undefined && n > shape.max) {
    res.constraintErrors.push(
      `Value ${show(v)}${at(path)} failed to satisfy constraint: Member must have ${unit} less than or equal to ${shape.max}`,
    );
  }
}

// Not a closure made for every value decoded: a request can hold thousands of them.
function typeErrorOf(v: unknown, path: string, res: DecodeResult, what: string): undefined {
  res.typeErrors.push(`Value ${show(v)}${at(path)} is not a valid ${what}`);
  return undefined;
}

function decode(model: ServiceModel, shapeName: string, v: unknown, path: string, res: DecodeResult): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) return v;
  if (shape.document) return v;
  switch (shape.type) {
    case 'structure': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return typeErrorOf(v, path, res, 'structure');
      // Decoded in place: the value is the request's own (just parsed), and a request can hold
      // thousands of structures — a copy of each was garbage made for every one.
      const obj = v as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        const ref = shape.members[k];
        if (!ref) {
          res.constraintErrors.push(`Unknown member '${k}'${at(path)}: it is not part of ${shapeName}`);
          continue;
        }
        const child = obj[k];
        if (child === null || child === undefined) {
          delete obj[k];
          continue;
        }
        const decoded = decode(model, ref.shape, child, path === '' ? k : `${path}.${k}`, res);
        if (decoded !== child) obj[k] = decoded;
      }
      for (const req of shape.required ?? []) {
        if (obj[req] === undefined) {
          res.constraintErrors.push(
            `Value null at '${path === '' ? req : `${path}.${req}`}' failed to satisfy constraint: Member must not be null`,
          );
        }
      }
      return obj;
    }
    case 'list': {
      if (!Array.isArray(v)) return typeErrorOf(v, path, res, 'list');
      checkLength(shape, v.length, v, path, res, 'length');
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        const decoded = decode(model, shape.member.shape, item, `${path}.${i + 1}.member`, res);
        if (decoded !== item) v[i] = decoded;
      }
      return v;
    }
    case 'map': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return typeErrorOf(v, path, res, 'map');
      const entries = Object.entries(v as Record<string, unknown>);
      checkLength(shape, entries.length, v, path, res, 'length');
      const out: Record<string, unknown> = {};
      for (const [k, item] of entries) {
        if (k === '__proto__') {
          res.constraintErrors.push(`Map key '__proto__'${at(path)} is not allowed`);
          continue;
        }
        decode(model, shape.key.shape, k, `${path}.${k}.key`, res);
        out[k] = decode(model, shape.value.shape, item, `${path}.${k}.value`, res);
      }
      return out;
    }
    case 'string': {
      if (typeof v !== 'string') return typeErrorOf(v, path, res, 'string');
      checkLength(shape, codePointLength(v), v, path, res, 'length');
      if (shape.enum && !enumOf(shape).has(v)) {
        res.constraintErrors.push(
          `Value ${show(v)}${at(path)} failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
        );
      }
      if (shape.pattern) {
        const re = compilePattern(shape.pattern);
        if (re && !re.matches(v)) {
          res.constraintErrors.push(
            `Value ${show(v)}${at(path)} failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`,
          );
        }
      }
      return v;
    }
    case 'integer':
    case 'long': {
      if (typeof v !== 'number' || !Number.isInteger(v))
        return typeErrorOf(v, path, res, shape.type === 'long' ? 'long' : 'integer');
      if (shape.type === 'integer' && (v > 2147483647 || v < -2147483648)) return typeErrorOf(v, path, res, 'integer');
      checkRange(shape, v, path, res);
      return v;
    }
    case 'float':
    case 'double':
    case 'bigdecimal':
    case 'biginteger': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return typeErrorOf(v, path, res, 'number');
      checkRange(shape, v, path, res);
      return v;
    }
    case 'boolean':
      if (typeof v !== 'boolean') return typeErrorOf(v, path, res, 'boolean');
      return v;
    case 'timestamp': {
      if (v instanceof Date) return v;
      const d = typeof v === 'number' ? new Date(v * 1000) : typeof v === 'string' ? parseTimestamp(v) : undefined;
      if (!d || Number.isNaN(d.getTime())) return typeErrorOf(v, path, res, 'timestamp');
      return d;
    }
    case 'blob': {
      if (Buffer.isBuffer(v)) return v;
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
        return typeErrorOf(v, path, res, 'base64-encoded blob');
      const b = Buffer.from(v, 'base64');
      checkLength(shape, b.length, v, path, res, 'length');
      return b;
    }
  }
}

function checkRange(shape: Shape, n: number, path: string, res: DecodeResult) {
  if (shape.min !== undefined && n < shape.min) {
    res.constraintErrors.push(
      `Value '${n}'${at(path)} failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`,
    );
  }
  if (shape.max !== undefined && n > shape.max) {
    res.constraintErrors.push(
      `Value '${n}'${at(path)} failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`,
    );
  }
}

/** ISO 8601, or epoch seconds written as a string (as query and rest protocols send them). */
export function parseTimestamp(s: string): Date | undefined {
  if (/^-?\d+(\.\d+)?$/.test(s)) return new Date(Number(s) * 1000);
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The Coral summary line for constraint violations. */
export function validationMessage(errors: readonly string[]): string {
  const n = errors.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${errors.join('; ')}`;
}

export type { ShapeRef };
