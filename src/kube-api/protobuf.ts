import { BerthError, invalidParameter } from '../kernel/index.js';

/**
 * Kubernetes' protobuf encoding, as kubectl sends built-in kinds (`kubectl create namespace`,
 * `create configmap`, `create secret`): the `k8s\0` magic, then a runtime.Unknown holding the
 * type and the object's bytes. Decoded into the object's JSON form by a table of each message's
 * fields (from the kinds' generated.proto); a field this table does not know is refused, naming
 * its number, rather than dropped.
 */
type Scalar = 'string' | 'bytes' | 'bool' | 'int' | 'time' | 'intOrString';
type FieldType = Scalar | { msg: Message } | { map: 'string' | 'bytes' | 'quantity' };
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type Message = Readonly<Record<number, Field>>;

const TIME: Message = { 1: { name: 'seconds', type: 'int' }, 2: { name: 'nanos', type: 'int' } };
const OWNER_REFERENCE: Message = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};
const OBJECT_META: Message = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  4: { name: 'selfLink', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: { name: 'deletionGracePeriodSeconds', type: 'int' },
  11: { name: 'labels', type: { map: 'string' } },
  12: { name: 'annotations', type: { map: 'string' } },
  13: { name: 'ownerReferences', type: { msg: OWNER_REFERENCE }, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};
const OBJECT_REFERENCE: Message = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'namespace', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'fieldPath', type: 'string' },
};
const meta = { 1: { name: 'metadata', type: { msg: OBJECT_META } } } as const;
/** DeploymentStatus's numbers (all varints in what kubectl sends: zeros). */
const STATUS_IGNORED: Message = Object.fromEntries(
  [1, 2, 3, 4, 5, 7, 8, 9].map((n) => [n, { name: `f${n}`, type: 'int' as const }]),
);
const QUANTITY: Message = { 1: { name: 'string', type: 'string' } };
const INT_OR_STRING: Message = {
  1: { name: 'type', type: 'int' },
  2: { name: 'intVal', type: 'int' },
  3: { name: 'strVal', type: 'string' },
};
const LABEL_SELECTOR: Message = {
  1: { name: 'matchLabels', type: { map: 'string' } },
  2: {
    name: 'matchExpressions',
    type: {
      msg: {
        1: { name: 'key', type: 'string' },
        2: { name: 'operator', type: 'string' },
        3: { name: 'values', type: 'string', repeated: true },
      },
    },
    repeated: true,
  },
};
/** The Container fields kubectl's generators write (`create deployment`, `create job`). */
const CONTAINER: Message = {
  1: { name: 'name', type: 'string' },
  2: { name: 'image', type: 'string' },
  3: { name: 'command', type: 'string', repeated: true },
  4: { name: 'args', type: 'string', repeated: true },
  5: { name: 'workingDir', type: 'string' },
  6: {
    name: 'ports',
    type: {
      msg: {
        1: { name: 'name', type: 'string' },
        2: { name: 'hostPort', type: 'int' },
        3: { name: 'containerPort', type: 'int' },
        4: { name: 'protocol', type: 'string' },
        5: { name: 'hostIP', type: 'string' },
      },
    },
    repeated: true,
  },
  7: {
    name: 'env',
    type: { msg: { 1: { name: 'name', type: 'string' }, 2: { name: 'value', type: 'string' } } },
    repeated: true,
  },
  8: {
    name: 'resources',
    type: {
      msg: { 1: { name: 'limits', type: { map: 'quantity' } }, 2: { name: 'requests', type: { map: 'quantity' } } },
    },
  },
  13: { name: 'terminationMessagePath', type: 'string' },
  14: { name: 'imagePullPolicy', type: 'string' },
  16: { name: 'stdin', type: 'bool' },
  17: { name: 'stdinOnce', type: 'bool' },
  18: { name: 'tty', type: 'bool' },
  20: { name: 'terminationMessagePolicy', type: 'string' },
};
const POD_SPEC: Message = {
  2: { name: 'containers', type: { msg: CONTAINER }, repeated: true },
  3: { name: 'restartPolicy', type: 'string' },
  4: { name: 'terminationGracePeriodSeconds', type: 'int' },
  6: { name: 'dnsPolicy', type: 'string' },
  7: { name: 'nodeSelector', type: { map: 'string' } },
  8: { name: 'serviceAccountName', type: 'string' },
  9: { name: 'serviceAccount', type: 'string' },
  10: { name: 'nodeName', type: 'string' },
  11: { name: 'hostNetwork', type: 'bool' },
  12: { name: 'hostPID', type: 'bool' },
  13: { name: 'hostIPC', type: 'bool' },
  16: { name: 'hostname', type: 'string' },
  17: { name: 'subdomain', type: 'string' },
  19: { name: 'schedulerName', type: 'string' },
  20: { name: 'initContainers', type: { msg: CONTAINER }, repeated: true },
  24: { name: 'priorityClassName', type: 'string' },
};
const POD_TEMPLATE: Message = {
  ...({ 1: { name: 'metadata', type: { msg: OBJECT_META } } } as Message),
  2: { name: 'spec', type: { msg: POD_SPEC } },
};

/** The kinds kubectl may send as protobuf, by `<apiVersion>/<kind>`. */
const KINDS: Readonly<Record<string, Message>> = {
  'v1/Namespace': {
    ...meta,
    2: { name: 'spec', type: { msg: { 1: { name: 'finalizers', type: 'string', repeated: true } } } },
    3: { name: 'status', type: { msg: { 1: { name: 'phase', type: 'string' } } } },
  },
  'v1/ConfigMap': {
    ...meta,
    2: { name: 'data', type: { map: 'string' } },
    3: { name: 'binaryData', type: { map: 'bytes' } },
    4: { name: 'immutable', type: 'bool' },
  },
  'v1/Secret': {
    ...meta,
    2: { name: 'data', type: { map: 'bytes' } },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: { map: 'string' } },
    5: { name: 'immutable', type: 'bool' },
  },
  'apps/v1/Deployment': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: { name: 'replicas', type: 'int' },
          2: { name: 'selector', type: { msg: LABEL_SELECTOR } },
          3: { name: 'template', type: { msg: POD_TEMPLATE } },
          4: {
            name: 'strategy',
            type: {
              msg: {
                1: { name: 'type', type: 'string' },
                2: {
                  name: 'rollingUpdate',
                  type: {
                    msg: {
                      1: { name: 'maxUnavailable', type: 'intOrString' },
                      2: { name: 'maxSurge', type: 'intOrString' },
                    },
                  },
                },
              },
            },
          },
          5: { name: 'minReadySeconds', type: 'int' },
          6: { name: 'revisionHistoryLimit', type: 'int' },
          7: { name: 'paused', type: 'bool' },
          9: { name: 'progressDeadlineSeconds', type: 'int' },
        },
      },
    },
    // The status a client sends is the server's to write: read and dropped.
    3: { name: 'status', type: { msg: STATUS_IGNORED } },
  },
  'batch/v1/Job': {
    ...meta,
    2: {
      name: 'spec',
      type: {
        msg: {
          1: { name: 'parallelism', type: 'int' },
          2: { name: 'completions', type: 'int' },
          3: { name: 'activeDeadlineSeconds', type: 'int' },
          4: { name: 'selector', type: { msg: LABEL_SELECTOR } },
          5: { name: 'manualSelector', type: 'bool' },
          6: { name: 'template', type: { msg: POD_TEMPLATE } },
          7: { name: 'backoffLimit', type: 'int' },
          8: { name: 'ttlSecondsAfterFinished', type: 'int' },
          9: { name: 'completionMode', type: 'string' },
          10: { name: 'suspend', type: 'bool' },
        },
      },
    },
    // JobStatus as a client sends it (zeros, an empty completedIndexes): read and dropped.
    3: {
      name: 'status',
      type: {
        msg: {
          4: { name: 'active', type: 'int' },
          5: { name: 'succeeded', type: 'int' },
          6: { name: 'failed', type: 'int' },
          7: { name: 'completedIndexes', type: 'string' },
          9: { name: 'ready', type: 'int' },
          11: { name: 'terminating', type: 'int' },
        },
      },
    },
  },
  'v1/ServiceAccount': {
    ...meta,
    2: { name: 'secrets', type: { msg: OBJECT_REFERENCE }, repeated: true },
    3: { name: 'imagePullSecrets', type: { msg: { 1: { name: 'name', type: 'string' } } }, repeated: true },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
};

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
      } else if (typeof t === 'object' && 'msg' in t) v = decodeMessage(b, t.msg, depth + 1);
      else if (typeof t === 'object' && 'map' in t) {
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
    // gogo-protobuf writes every optional scalar, empty or not: an empty one is left out, as JSON would.
    if (v === undefined || v === '' || (f.type === 'int' && v === 0)) continue;
    if (f.repeated) setOwn(out, f.name, [...((out[f.name] as unknown[] | undefined) ?? []), v]);
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
