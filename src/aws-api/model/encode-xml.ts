import type { ServiceModel } from './types.js';

export function escapeXml(s: string): string {
  // Text content only: quotes need no escaping there, and AWS leaves them as they are.
  return s.replace(/[<>&\r]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '\r': '&#13;' })[c] as string);
}

/** The inner XML of a value of `shapeName`, as the query protocol writes results. */
export function encodeXml(model: ServiceModel, shapeName: string, v: unknown): string {
  if (v === undefined || v === null) return '';
  const shape = model.shapes[shapeName];
  if (!shape) return escapeXml(String(v));
  switch (shape.type) {
    case 'structure': {
      const obj = v as Record<string, unknown>;
      let out = '';
      for (const [name, ref] of Object.entries(shape.members)) {
        const item = obj[name];
        if (item === undefined || item === null) continue;
        const tag = ref.locationName ?? name;
        const target = model.shapes[ref.shape];
        if (target?.type === 'list' && (ref.flattened || target.flattened)) {
          for (const el of item as unknown[]) out += `<${tag}>${encodeXml(model, target.member.shape, el)}</${tag}>`;
        } else {
          out += `<${tag}>${encodeXml(model, ref.shape, item)}</${tag}>`;
        }
      }
      return out;
    }
    case 'list': {
      const tag = shape.member.locationName ?? 'member';
      return (v as unknown[]).map((el) => `<${tag}>${encodeXml(model, shape.member.shape, el)}</${tag}>`).join('');
    }
    case 'map': {
      const k = shape.key.locationName ?? 'key';
      const val = shape.value.locationName ?? 'value';
      return Object.entries(v as Record<string, unknown>)
        .map(
          ([key, item]) =>
            `<entry><${k}>${escapeXml(key)}</${k}><${val}>${encodeXml(model, shape.value.shape, item)}</${val}></entry>`,
        )
        .join('');
    }
    case 'timestamp':
      return (v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v))).toISOString();
    case 'blob':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return escapeXml(String(v));
  }
}
