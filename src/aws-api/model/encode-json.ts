import type { ServiceModel } from './types.js';

/**
 * A handler's output as JSON-protocol data, guided by the shape: only modelled members leave
 * (internal fields never leak), timestamps become epoch seconds, blobs base64.
 */
export function encodeJson(model: ServiceModel, shapeName: string, v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  const shape = model.shapes[shapeName];
  if (!shape || shape.document) return v;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      const obj = v as Record<string, unknown>;
      for (const [name, ref] of Object.entries(shape.members)) {
        if (ref.location) continue; // bound to a header, label or status code by rest protocols
        const enc = encodeJson(model, ref.shape, obj[name]);
        if (enc !== undefined) out[ref.locationName ?? name] = enc;
      }
      return out;
    }
    case 'list':
      return (v as unknown[]).map((item) => encodeJson(model, shape.member.shape, item) ?? null);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v as Record<string, unknown>))
        out[k] = encodeJson(model, shape.value.shape, item);
      return out;
    }
    case 'timestamp':
      return epochSeconds(v);
    case 'blob':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return v;
  }
}

export function epochSeconds(v: unknown): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : new Date(String(v)).getTime();
  return ms / 1000;
}
