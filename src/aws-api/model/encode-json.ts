import type { ServiceModel } from './types.js';

/**
 * A handler's output as JSON-protocol data, guided by the shape: only modelled members leave
 * (internal fields never leak), timestamps become epoch seconds, blobs base64.
 *
 * Each shape is compiled once into an encoder: a structure walks the output's own keys (usually
 * far fewer than the model's members) and copies scalars as they are, since every answer of
 * DescribeTasks or ListTasks goes through here.
 */
type Encoder = (v: unknown) => unknown;

const compiled = new WeakMap<ServiceModel, Map<string, Encoder>>();
const identity: Encoder = (v) => v;

function encoderFor(model: ServiceModel, shapeName: string): Encoder {
  let byShape = compiled.get(model);
  if (!byShape) compiled.set(model, (byShape = new Map()));
  let enc = byShape.get(shapeName);
  if (enc) return enc;
  // Set before compiling the members, so recursive shapes find their own (late-bound) encoder.
  let inner: Encoder = identity;
  enc = (v) => inner(v);
  byShape.set(shapeName, enc);
  inner = compile(model, shapeName);
  byShape.set(shapeName, inner);
  return inner;
}

function compile(model: ServiceModel, shapeName: string): Encoder {
  const shape = model.shapes[shapeName];
  if (!shape || shape.document) return identity;
  switch (shape.type) {
    case 'structure': {
      const members = new Map<string, { wire: string; enc: Encoder | undefined }>();
      for (const [name, ref] of Object.entries(shape.members)) {
        if (ref.location) continue; // bound to a header, label or status code by rest protocols
        const e = encoderFor(model, ref.shape);
        members.set(name, { wire: ref.locationName ?? name, enc: e === identity ? undefined : e });
      }
      return (v) => {
        const out: Record<string, unknown> = {};
        const obj = v as Record<string, unknown>;
        for (const k of Object.keys(obj)) {
          const m = members.get(k);
          const item = obj[k];
          if (m === undefined || item === undefined || item === null) continue;
          const enc = m.enc ? m.enc(item) : item;
          if (enc !== undefined) out[m.wire] = enc;
        }
        return out;
      };
    }
    case 'list': {
      const item = encoderFor(model, shape.member.shape);
      return (v) => (v as unknown[]).map((x) => (x === undefined || x === null ? null : (item(x) ?? null)));
    }
    case 'map': {
      const value = encoderFor(model, shape.value.shape);
      return (v) => {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>))
          out[k] = x === undefined || x === null ? undefined : value(x);
        return out;
      };
    }
    case 'timestamp':
      return epochSeconds;
    case 'blob':
      return (v) => Buffer.from(v as Uint8Array).toString('base64');
    default:
      return identity;
  }
}

export function encodeJson(model: ServiceModel, shapeName: string, v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  return encoderFor(model, shapeName)(v);
}

export function epochSeconds(v: unknown): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : new Date(String(v)).getTime();
  return ms / 1000;
}
