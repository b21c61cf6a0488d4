import { setOwn } from '../../kernel/index.js';
import { AwsError } from '../errors.js';
import { parseTimestamp } from '../model/decode.js';
import type { ServiceModel } from '../model/types.js';

/**
 * Rebuilds a structure from the query protocol's flat parameters (`Tags.member.1.Key=…`),
 * guided by the shape. Scalars are converted by type; a value that does not convert is left as
 * a string so the model check reports it. Parameters the shape has no place for are refused.
 */
export function queryInput(model: ServiceModel, shapeName: string | undefined, params: Map<string, string>): unknown {
  const used = new Set<string>(['Action', 'Version']);
  for (const k of params.keys()) if (k.startsWith('X-Amz-')) used.add(k);
  const out = shapeName ? readShape(model, shapeName, '', params, used) : {};
  const unknown = [...params.keys()].filter((k) => !used.has(k));
  if (unknown.length > 0) {
    throw new AwsError(
      model.metadata.protocol === 'query' ? 'ValidationError' : 'ValidationException',
      `Unknown parameter${unknown.length > 1 ? 's' : ''} in request: ${unknown.map((k) => `'${k}'`).join(', ')}`,
      400,
    );
  }
  return out ?? {};
}

function hasPrefix(params: Map<string, string>, prefix: string): boolean {
  for (const k of params.keys()) if (k === prefix || k.startsWith(`${prefix}.`)) return true;
  return false;
}

function readShape(
  model: ServiceModel,
  shapeName: string,
  prefix: string,
  params: Map<string, string>,
  used: Set<string>,
): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) return undefined;
  const join = (name: string) => (prefix === '' ? name : `${prefix}.${name}`);
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members)) {
        const target = model.shapes[ref.shape];
        const flat = ref.flattened || target?.flattened;
        const key = join(ref.locationName ?? name);
        const v =
          target?.type === 'list' && flat
            ? readList(model, target.member.shape, key, params, used)
            : readShape(model, ref.shape, key, params, used);
        if (v !== undefined) out[name] = v;
      }
      return prefix === '' || Object.keys(out).length > 0 ? out : undefined;
    }
    case 'list': {
      const memberKey = `${prefix}.${shape.member.locationName ?? 'member'}`;
      if (params.get(prefix) === '' && !hasPrefix(params, memberKey)) {
        used.add(prefix); // `Name=` is how the query protocol sends an empty list
        return [];
      }
      return readList(model, shape.member.shape, memberKey, params, used);
    }
    case 'map': {
      const entryKey = shape.flattened ? prefix : `${prefix}.entry`;
      const out: Record<string, unknown> = {};
      for (let i = 1; hasPrefix(params, `${entryKey}.${i}`); i++) {
        const k = params.get(`${entryKey}.${i}.${shape.key.locationName ?? 'key'}`);
        used.add(`${entryKey}.${i}.${shape.key.locationName ?? 'key'}`);
        const v = readShape(
          model,
          shape.value.shape,
          `${entryKey}.${i}.${shape.value.locationName ?? 'value'}`,
          params,
          used,
        );
        // Defined, not assigned: a key named `__proto__` stays a key (the model check refuses it).
        if (k !== undefined) setOwn(out, k, v);
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    default: {
      const raw = params.get(prefix);
      if (raw === undefined) return undefined;
      used.add(prefix);
      return scalar(shape.type, raw);
    }
  }
}

function readList(
  model: ServiceModel,
  memberShape: string,
  prefix: string,
  params: Map<string, string>,
  used: Set<string>,
) {
  const out: unknown[] = [];
  for (let i = 1; hasPrefix(params, `${prefix}.${i}`); i++)
    out.push(readShape(model, memberShape, `${prefix}.${i}`, params, used));
  return out.length > 0 ? out : undefined;
}

export function scalar(type: string, raw: string): unknown {
  switch (type) {
    case 'integer':
    case 'long':
      return /^-?\d+$/.test(raw) ? Number(raw) : raw;
    case 'float':
    case 'double':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'timestamp':
      return parseTimestamp(raw) ?? raw;
    default:
      return raw;
  }
}
