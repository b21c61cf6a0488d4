import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decoder, Encoder } from 'cbor';
import { ManualClock } from '../../kernel/clock.js';
import { invalidParameter } from '../../kernel/errors.js';
import { createLogger } from '../../kernel/logger.js';
import { dispatch, type DispatchDeps } from '../dispatch.js';
import type { RawRequest } from '../raw.js';
import { defineService } from '../service.js';
import { decodeCbor } from './cbor.js';

const seen: unknown[] = [];
const at = new Date('2026-12-02T12:00:00.500Z');
const cloudwatch = defineService('cloudwatch', {
  validationErrorCode: 'InvalidParameterValue',
  errorCode: (e) => (e.kind === 'InvalidParameter' ? 'InvalidParameterValue' : undefined),
  handlers: {
    ListMetrics: (input: unknown) => {
      seen.push(input);
      return { Metrics: [{ Namespace: 'Shop', MetricName: 'Orders', Dimensions: [] }], Secret: 'x' };
    },
    GetMetricStatistics: () => ({ Label: 'L', Datapoints: [{ Timestamp: at, Sum: 1.5 }] }),
    PutMetricData: () => {
      throw invalidParameter('bad value', { field: 'Value' });
    },
  },
});
const deps: DispatchDeps = {
  services: [cloudwatch],
  auth: { mode: 'open', keys: new Map() },
  accountId: '000000000000',
  clock: new ManualClock(),
  logger: createLogger('silent'),
};
const request = (op: string, body: Buffer): RawRequest => ({
  method: 'POST',
  path: `/service/GraniteServiceVersion20100801/operation/${op}`,
  rawQuery: '',
  headers: {
    'content-type': 'application/cbor',
    'smithy-protocol': 'rpc-v2-cbor',
    'x-amz-date': '20260101T000000Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=abc',
  },
  body,
});
const decoded = (body: string | Buffer) => Decoder.decodeFirstSync(body as Buffer, { preferMap: false });

describe('Smithy RPC v2 CBOR', () => {
  it('decodes a request, answers in CBOR with only modelled members and timestamps as epoch time', async () => {
    const res = await dispatch(
      request(
        'ListMetrics',
        Encoder.encodeOne(
          new Map([
            ['Namespace', 'Shop'],
            ['RecentlyActive', 'PT3H'],
          ]),
        ),
      ),
      deps,
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers['smithy-protocol'], 'rpc-v2-cbor');
    assert.equal(res.headers['content-type'], 'application/cbor');
    assert.deepEqual(decoded(res.body), { Metrics: [{ Namespace: 'Shop', MetricName: 'Orders', Dimensions: [] }] });
    assert.deepEqual({ ...(seen.at(-1) as object) }, { Namespace: 'Shop', RecentlyActive: 'PT3H' });
    const stats = await dispatch(
      request(
        'GetMetricStatistics',
        Encoder.encodeOne(
          new Map<string, unknown>([
            ['Namespace', 'Shop'],
            ['MetricName', 'm'],
            ['StartTime', at],
            ['EndTime', at],
            ['Period', 60],
          ]),
        ),
      ),
      deps,
    );
    const body = stats.body as Buffer;
    // c1 = tag 1 (epoch time), then the seconds as a float.
    assert.ok(body.includes(Buffer.from([0xc1, 0xfb])), body.toString('hex'));
    assert.equal(
      (decoded(body) as { Datapoints: { Timestamp: Date }[] }).Datapoints[0]?.Timestamp.getTime(),
      at.getTime(),
    );
  });

  it('names a query-compatible service’s errors by shape and by query code', async () => {
    const res = await dispatch(request('PutMetricData', Encoder.encodeOne(new Map([['Namespace', 'x']]))), deps);
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-amzn-query-error'], 'InvalidParameterValue;Sender');
    assert.deepEqual(decoded(res.body), { __type: 'InvalidParameterValueException', message: 'bad value' });
    const unknown = await dispatch(request('Nope', Encoder.encodeOne(new Map())), deps);
    assert.equal(unknown.status, 400);
    assert.match(String((decoded(unknown.body) as { __type: string }).__type), /UnknownOperation/);
  });

  it('refuses hostile CBOR with a SerializationException and reaches no handler', async () => {
    const before = seen.length;
    const cases: [string, Buffer][] = [
      ['truncated', Buffer.from([0xa1, 0x61])],
      ['not a map', Encoder.encodeOne([1, 2])],
      ['integer keys', Encoder.encodeOne(new Map([[1, 'x']]))],
      ['a RegExp tag', Buffer.concat([Buffer.from([0xa1, 0x61, 0x61, 0xd8, 0x23]), Encoder.encodeOne('.*')])],
      [
        'nesting past the bound',
        Buffer.concat([Buffer.from([0xa1, 0x61, 0x61]), Buffer.alloc(500, 0x81), Buffer.from([0x00])]),
      ],
    ];
    for (const [what, body] of cases) {
      const res = await dispatch(request('ListMetrics', body), deps);
      assert.equal(res.status, 400, what);
      assert.equal((decoded(res.body) as { __type: string }).__type, 'SerializationException', what);
    }
    assert.equal(seen.length, before);
    const proto = decodeCbor(Encoder.encodeOne(new Map([['__proto__', new Map([['polluted', true]])]]))) as object;
    assert.equal(Object.getPrototypeOf(proto), null);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });
});
