import { Decoder, Encoder } from 'cbor';
import { protocolErrors, type AwsError } from '../errors.js';
import { cborValue } from '../model/encode-cbor.js';
import type { RawRequest, RawResponse } from '../raw.js';
import type { AwsService } from '../service.js';
import type { Protocol } from './protocol.js';
import { queryCompatible } from './query-compatible.js';

/**
 * Smithy RPC v2 CBOR: POST /service/<service>/operation/<operation> with `smithy-protocol:
 * rpc-v2-cbor`, CBOR in and out (the current AWS CLI and SDKs speak it to CloudWatch). A decoded
 * body is hostile input like any other: maps are decoded as Maps and rebuilt as prototype-free
 * objects with string keys only; the only tag kept is 1 (epoch time, a timestamp); nesting is
 * bounded.
 */
export const CBOR_PATH = /^\/service\/([A-Za-z0-9_.-]+)\/operation\/([A-Za-z0-9_]+)$/;
const MAX_DEPTH = 64;

export function isCborRequest(req: RawRequest): boolean {
  return CBOR_PATH.test(req.path);
}

/** Plain values from the decoder's: prototype-free objects, no other tag than time. */
function plain(v: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw protocolErrors.serialization(`CBOR nested deeper than ${MAX_DEPTH}`);
  if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'string') return v ?? null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (v instanceof Map) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, x] of v) {
      if (typeof k !== 'string') throw protocolErrors.serialization('CBOR map keys must be text strings');
      out[k] = plain(x, depth + 1);
    }
    return out;
  }
  throw protocolErrors.serialization('CBOR value of an unsupported type or tag');
}

export function decodeCbor(body: Buffer): unknown {
  if (body.length === 0) return Object.create(null);
  let decoded: unknown;
  try {
    // Tags other than 1 are refused: the decoder would otherwise build RegExps, URLs, Sets….
    const tags = Object.fromEntries(
      [0, 2, 3, 4, 5, 21, 22, 23, 24, 32, 33, 34, 35, 36, 258, 261, 262, 55799].map((t) => [
        t,
        () => {
          throw new Error(`tag ${t} is not accepted`);
        },
      ]),
    );
    decoded = Decoder.decodeFirstSync(body, {
      preferMap: true,
      tags,
      extendedResults: false,
      max_depth: MAX_DEPTH + 1,
    });
  } catch (e) {
    throw protocolErrors.serialization(`Malformed CBOR in request body: ${(e as Error).message}`);
  }
  const out = plain(decoded, 0);
  if (typeof out !== 'object' || out === null || Array.isArray(out) || out instanceof Date)
    throw protocolErrors.serialization('The request body must be a CBOR map');
  return out;
}

const encode = (v: unknown) => Encoder.encodeOne(v, { dateType: 'float', canonical: false });

function headers(requestId: string): Record<string, string> {
  return { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor', 'x-amzn-requestid': requestId };
}

export const cborProtocol: Protocol = {
  operation(req: RawRequest, service: AwsService) {
    const m = CBOR_PATH.exec(req.path);
    const op = m && m[1] === service.model.metadata.targetPrefix ? service.model.operations[m[2] as string] : undefined;
    if (!op) throw protocolErrors.unknownOperation(req.path);
    return { op };
  },
  input: (req) => decodeCbor(req.body),
  result(service, op, output, requestId) {
    const value = op.output ? cborValue(service.model, op.output.shape, output ?? {}) : undefined;
    return { status: 200, headers: headers(requestId), body: encode(value ?? new Map()) };
  },
  error(service: AwsService | undefined, err: AwsError, requestId: string): RawResponse {
    const { type, headers: extra } = queryCompatible(service, err);
    return {
      status: err.status,
      headers: { ...headers(requestId), ...extra },
      body: encode(
        new Map<string, unknown>([
          ['__type', type],
          ['message', err.message],
        ]),
      ),
    };
  },
};
