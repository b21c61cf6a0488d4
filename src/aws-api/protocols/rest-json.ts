import { setOwn } from '../../kernel/index.js';
import { protocolErrors } from '../errors.js';
import { encodeJsonText } from '../model/encode-json.js';
import type { OperationModel, ServiceModel } from '../model/types.js';
import { header, queryPairs, type RawResponse } from '../raw.js';
import type { AwsService } from '../service.js';
import { jsonError, parseJsonBody } from './json.js';
import type { Protocol } from './protocol.js';
import { scalar } from './query-input.js';

/** restJson1: operation chosen by method and path template, input bound to labels, query, headers and body. */
interface Route {
  op: OperationModel;
  method: string;
  re: RegExp;
  labels: string[];
  literalLength: number;
  staticQuery: [string, string][];
}

const routeCache = new WeakMap<ServiceModel, Route[]>();

function routes(model: ServiceModel): Route[] {
  let rs = routeCache.get(model);
  if (rs) return rs;
  rs = Object.values(model.operations).map((op) => {
    const [path = '/', query = ''] = op.http.requestUri.split('?');
    const labels: string[] = [];
    let literalLength = 0;
    const pattern = path
      .split('/')
      .map((seg) => {
        const m = /^\{([^}+]+)(\+?)\}$/.exec(seg);
        if (!m) {
          literalLength += seg.length;
          return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        }
        labels.push(m[1] as string);
        return m[2] ? '(.+)' : '([^/]+)';
      })
      .join('/');
    return {
      op,
      method: op.http.method,
      re: new RegExp(`^${pattern}/?$`),
      labels,
      literalLength,
      staticQuery: queryPairs(query),
    };
  });
  // The most literal template wins, so `/clusters/{name}/addons` beats `/clusters/{name}/{x}`.
  rs.sort((a, b) => b.literalLength - a.literalLength);
  routeCache.set(model, rs);
  return rs;
}

export const restJsonProtocol: Protocol = {
  operation(req, service) {
    const query = new Map(queryPairs(req.rawQuery));
    for (const r of routes(service.model)) {
      if (r.method !== req.method) continue;
      const m = r.re.exec(req.path);
      if (!m || !r.staticQuery.every(([k, v]) => query.has(k) && (v === '' || query.get(k) === v))) continue;
      const labels: Record<string, string> = {};
      r.labels.forEach((l, i) => (labels[l] = decodeURIComponent(m[i + 1] as string)));
      return { op: r.op, labels };
    }
    throw protocolErrors.unknownOperation(`${req.method} ${req.path}`);
  },
  input(req, service, op, labels = {}) {
    const model = service.model;
    const shape = op.input ? model.shapes[op.input.shape] : undefined;
    if (!shape || shape.type !== 'structure') return {};
    const query = queryPairs(req.rawQuery);
    const out: Record<string, unknown> = {};
    let bodyMembers: Record<string, unknown> = {};
    if (shape.payload) {
      const ref = shape.members[shape.payload];
      const target = ref ? model.shapes[ref.shape] : undefined;
      if (req.body.length > 0) out[shape.payload] = target?.type === 'structure' ? parseJsonBody(req.body) : req.body;
    } else {
      bodyMembers = parseJsonBody(req.body) as Record<string, unknown>;
    }
    const byWireName = new Map<string, string>();
    for (const [name, ref] of Object.entries(shape.members)) {
      const target = model.shapes[ref.shape];
      const wire = ref.locationName ?? name;
      switch (ref.location) {
        case 'uri':
          if (labels[wire] !== undefined) out[name] = scalar(target?.type ?? 'string', labels[wire]);
          break;
        case 'querystring': {
          if (target?.type === 'map') {
            const claimed = new Set(
              Object.values(shape.members)
                .filter((m) => m.location === 'querystring')
                .map((m) => m.locationName),
            );
            const rest = query.filter(([k]) => !claimed.has(k));
            if (rest.length > 0) out[name] = Object.fromEntries(rest);
          } else {
            const vals = query.filter(([k]) => k === wire).map(([, v]) => v);
            if (target?.type === 'list') {
              const member = model.shapes[target.member.shape];
              if (vals.length > 0) out[name] = vals.map((v) => scalar(member?.type ?? 'string', v));
            } else if (vals.length > 0) out[name] = scalar(target?.type ?? 'string', vals[0] as string);
          }
          break;
        }
        case 'header': {
          const v = header(req, wire.toLowerCase());
          if (v !== undefined) out[name] = scalar(target?.type ?? 'string', v);
          break;
        }
        case 'headers': {
          const prefix = wire.toLowerCase();
          const found = Object.entries(req.headers).filter(([k]) => k.startsWith(prefix));
          if (found.length > 0)
            out[name] = Object.fromEntries(found.map(([k, v]) => [k.slice(prefix.length), String(v)]));
          break;
        }
        default:
          byWireName.set(wire, name);
      }
    }
    for (const [k, v] of Object.entries(bodyMembers)) setOwn(out, byWireName.get(k) ?? k, v);
    return out;
  },
  result(service, op, output, requestId): RawResponse {
    const model = service.model;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': requestId };
    const shape = op.output ? model.shapes[op.output.shape] : undefined;
    let body: string | undefined;
    if (shape?.type === 'structure') {
      const out = (output ?? {}) as Record<string, unknown>;
      for (const [name, ref] of Object.entries(shape.members)) {
        if (ref.location === 'header' && out[name] !== undefined)
          headers[(ref.locationName ?? name).toLowerCase()] = String(out[name]);
      }
      body = shape.payload
        ? encodeJsonText(model, shape.members[shape.payload]?.shape ?? '', out[shape.payload])
        : encodeJsonText(model, op.output?.shape ?? '', out);
    }
    return { status: op.http.responseCode ?? 200, headers, body: body ?? '{}' };
  },
  error: (service: AwsService | undefined, err, requestId) => {
    const r = jsonError(service, err, requestId);
    r.headers['content-type'] = 'application/json';
    return r;
  },
};
