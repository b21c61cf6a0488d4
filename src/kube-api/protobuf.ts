import { BerthError, invalidParameter } from '../kernel/index.js';
import { INT_OR_STRING, KINDS as CORE_KINDS, QUANTITY, TIME, type Field, type Message } from './protobuf-messages.js';
import { MORE_KINDS } from './protobuf-more.js';
import { AUTH_KINDS } from './protobuf-auth.js';

const KINDS: Readonly<Record<string, Message>> = { ...CORE_KINDS, ...MORE_KINDS, ...AUTH_KINDS };

/**
 * Kubernetes' protobuf encoding, as kubectl sends built-in kinds (`kubectl create namespace`,
 * `create configmap`, `create secret`): the `k8s\0` magic, then a runtime.Unknown holding the
 * type and the object's bytes. Decoded into the object's JSON form by a table of each message's
 * fields (from the kinds' generated.proto); a field this table does not know is refused, naming
 * its number, rather than dropped.
 */

const malformed = (why: string) =>
  invalidParameter(`the protobuf body could not be decoded: ${why}`, { reason: 'malformed' });

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw malformed('a number runs past the end');
      const b = this.buf[this.pos++] as number;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw malformed('a number is longer than 10 bytes');
  }
  bytes(): Uint8Array {
    const n = Number(this.varint());
    if (n > this.buf.length - this.pos) throw malformed('a field runs past the end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const signed = (v: bigint) => Number(BigInt.asIntN(64, v));

function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function decodeMessage(buf: Uint8Array, spec: Message, depth: number): Record<string, unknown> {
  if (depth > 20) throw malformed('messages nest too deep');
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (r.pos < buf.length) {
    const tag = Number(r.varint());
    const num = tag >>> 3;
    const wire = tag & 7;
    const f = Object.hasOwn(spec, num) ? spec[num] : undefined;
    if (!f) throw malformed(`field ${num} is not one berth knows`);
    let v: unknown;
    if (wire === 0) {
      const n = r.varint();
      v = f.type === 'bool' ? n !== 0n : signed(n);
    } else if (wire === 2) {
      const b = r.bytes();
      const t = f.type;
      if (t === 'string') v = text(b);
      else if (t === 'bytes') v = Buffer.from(b).toString('base64');
      else if (t === 'time') {
        const time = decodeMessage(b, TIME, depth + 1);
        v = time['seconds']
          ? new Date(Number(time['seconds']) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
          : undefined;
      } else if (t === 'intOrString') {
        const x = decodeMessage(b, INT_OR_STRING, depth + 1);
        // An int of 0 is a value here (maxUnavailable: 0), not an empty field.
        setOwn(out, f.name, x['type'] === 1 ? (x['strVal'] ?? '') : (x['intVal'] ?? 0));
        continue;
      } else if (typeof t === 'object' && 'msg' in t) {
        v = decodeMessage(b, t.msg, depth + 1);
        if (f.inline) {
          for (const [k, x] of Object.entries(v as Record<string, unknown>)) setOwn(out, k, x);
          continue;
        }
      } else if (typeof t === 'object' && 'map' in t) {
        const value: Field =
          t.map === 'quantity'
            ? { name: 'value', type: { msg: QUANTITY } }
            : { name: 'value', type: t.map as 'string' | 'bytes' };
        const entry = decodeMessage(b, { 1: { name: 'key', type: 'string' }, 2: value }, depth + 1);
        const map = (out[f.name] as Record<string, unknown> | undefined) ?? {};
        const got = entry['value'];
        setOwn(
          map,
          String(entry['key'] ?? ''),
          t.map === 'quantity' ? ((got as { string?: string } | undefined)?.string ?? '0') : (got ?? ''),
        );
        setOwn(out, f.name, map);
        continue;
      } else throw malformed(`field ${num} has the wrong wire type`);
    } else throw malformed(`field ${num} has wire type ${wire}, which no kind served uses`);
    // An element of a list is kept even empty (an RBAC rule's core API group is "").
    if (f.repeated && v !== undefined) setOwn(out, f.name, [...((out[f.name] as unknown[] | undefined) ?? []), v]);
    // gogo-protobuf writes every optional scalar, empty or not: an empty one is left out, as JSON would.
    else if (v === undefined || v === '' || (f.type === 'int' && v === 0)) continue;
    else setOwn(out, f.name, v);
  }
  return out;
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** An object sent as `application/vnd.kubernetes.protobuf`, as its JSON form. */
export function decodeProtobuf(body: Buffer | undefined): Record<string, unknown> {
  if (!body || body.length < 4 || MAGIC.some((b, i) => body[i] !== b))
    throw malformed('it does not start with the k8s magic');
  const unknown = decodeMessage(
    body.subarray(4),
    {
      1: {
        name: 'typeMeta',
        type: { msg: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } },
      },
      2: { name: 'raw', type: 'bytes' },
      3: { name: 'contentEncoding', type: 'string' },
      4: { name: 'contentType', type: 'string' },
    },
    0,
  );
  const tm = (unknown['typeMeta'] ?? {}) as { apiVersion?: string; kind?: string };
  const key = `${tm.apiVersion ?? ''}/${tm.kind ?? ''}`;
  const spec = Object.hasOwn(KINDS, key) ? KINDS[key] : undefined;
  if (!spec)
    throw new BerthError('InvalidParameter', `${key} sent as protobuf is not supported by berth yet: send it as JSON`, {
      reason: 'unsupported-media-type',
    });
  const raw = Buffer.from(String(unknown['raw'] ?? ''), 'base64');
  return { apiVersion: tm.apiVersion, kind: tm.kind, ...decodeMessage(raw, spec, 0) };
}
