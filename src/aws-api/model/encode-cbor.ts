import type { ServiceModel } from './types.js';

/**
 * A handler's output as the plain values the Smithy RPC v2 CBOR protocol sends, guided by the
 * shape: only modelled members leave, timestamps stay Dates (CBOR tag 1, epoch seconds), blobs
 * byte strings, and absent members are left out.
 */
export function cborValue(model: ServiceModel, shapeName: string, v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  const shape = model.shapes[shapeName];
  if (!shape || shape.document) return v;
  switch (shape.type) {
    case 'structure': {
      const out = new Map<string, unknown>();
      const obj = v as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        const ref = Object.hasOwn(shape.members, k) ? shape.members[k] : undefined;
        if (!ref || ref.location) continue;
        const item = cborValue(model, ref.shape, obj[k]);
        if (item !== undefined) out.set(k, item);
      }
      return out;
    }
    case 'list':
      return (v as unknown[]).map((x) => cborValue(model, shape.member.shape, x) ?? null);
    case 'map': {
      const out = new Map<string, unknown>();
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const item = cborValue(model, shape.value.shape, x);
        if (item !== undefined) out.set(k, item);
      }
      return out;
    }
    case 'timestamp':
      return v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v));
    case 'blob':
      return Buffer.from(v as Uint8Array);
    default:
      return v;
  }
}
