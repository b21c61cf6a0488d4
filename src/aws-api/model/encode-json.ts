import type { ServiceModel } from './types.js';

/**
 * A handler's output as JSON-protocol text, guided by the shape: only modelled members leave
 * (internal fields never leak), timestamps become epoch seconds, blobs base64.
 *
 * Each shape is compiled once into an encoder that writes JSON text directly: a structure walks
 * the output's own keys (usually far fewer than the model's members), with each member's quoted
 * name computed once. No intermediate object is built for JSON.stringify to walk again, since
 * every answer of DescribeTasks or ListTasks goes through here.
 */
type Encoder = (v: unknown) => string | undefined;

/**
 * A value's JSON text made earlier for its shape, which an encoder writes as it is: a face can
 * keep the text of a resource that has not changed (a task record is replaced, never mutated)
 * instead of encoding it again for every call that names it.
 */
export class EncodedJson {
  constructor(readonly text: string) {}
}

const compiled = new WeakMap<ServiceModel, Map<string, Encoder>>();
const scalar: Encoder = (v) => JSON.stringify(v);

// A string holding none of these is its own JSON text between quotes. Anything else (quotes,
// backslashes, control characters, any surrogate, paired or not) is left to JSON.stringify.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Strings and numbers are most of an answer's scalars (ARNs, statuses, counts): written without
 * a JSON.stringify call each, which took a tenth of a DescribeTasks call. Values of another type
 * than the shape's go to JSON.stringify as before.
 */
const text: Encoder = (v) => (typeof v === 'string' && !NEEDS_ESCAPE.test(v) ? `"${v}"` : JSON.stringify(v));
const number: Encoder = (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : JSON.stringify(v));
const boolean: Encoder = (v) => (v === true ? 'true' : v === false ? 'false' : JSON.stringify(v));

function encoderFor(model: ServiceModel, shapeName: string): Encoder {
  let byShape = compiled.get(model);
  if (!byShape) compiled.set(model, (byShape = new Map()));
  const known = byShape.get(shapeName);
  if (known) return known;
  // Registered before compiling the members, so recursive shapes find their own (late-bound) encoder.
  let inner: Encoder = scalar;
  byShape.set(shapeName, (v) => inner(v));
  inner = compile(model, shapeName);
  byShape.set(shapeName, inner);
  return inner;
}

const isAbsent = (v: unknown) => v === undefined || v === null;

function compile(model: ServiceModel, shapeName: string): Encoder {
  const shape = model.shapes[shapeName];
  if (!shape || shape.document) return scalar;
  switch (shape.type) {
    case 'structure': {
      const members = new Map<string, { key: string; enc: Encoder }>();
      for (const [name, ref] of Object.entries(shape.members)) {
        if (ref.location) continue; // bound to a header, label or status code by rest protocols
        members.set(name, { key: `${JSON.stringify(ref.locationName ?? name)}:`, enc: encoderFor(model, ref.shape) });
      }
      return (v) => {
        if (v instanceof EncodedJson) return v.text;
        const obj = v as Record<string, unknown>;
        let out = '';
        for (const k of Object.keys(obj)) {
          const m = members.get(k);
          const item = obj[k];
          if (m === undefined || isAbsent(item)) continue;
          const text = m.enc(item);
          if (text !== undefined) out += out === '' ? m.key + text : `,${m.key}${text}`;
        }
        return `{${out}}`;
      };
    }
    case 'list': {
      const item = encoderFor(model, shape.member.shape);
      return (v) => `[${(v as unknown[]).map((x) => (isAbsent(x) ? 'null' : (item(x) ?? 'null'))).join(',')}]`;
    }
    case 'map': {
      const value = encoderFor(model, shape.value.shape);
      return (v) => {
        const parts: string[] = [];
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
          const text = isAbsent(x) ? undefined : value(x);
          if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
        }
        return `{${parts.join(',')}}`;
      };
    }
    case 'timestamp':
      return (v) => JSON.stringify(epochSeconds(v));
    case 'blob':
      return (v) => JSON.stringify(Buffer.from(v as Uint8Array).toString('base64'));
    case 'string':
      return text;
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return number;
    case 'boolean':
      return boolean;
    default:
      return scalar;
  }
}

/** The JSON text of a value of a shape, or undefined for an absent value. */
export function encodeJsonText(model: ServiceModel, shapeName: string, v: unknown): string | undefined {
  if (isAbsent(v)) return undefined;
  return encoderFor(model, shapeName)(v);
}

export function epochSeconds(v: unknown): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : new Date(String(v)).getTime();
  return ms / 1000;
}
