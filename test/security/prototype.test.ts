import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFuzzer, type Fuzzer } from './fuzz-harness.js';

/** Requests whose keys are `__proto__`, `constructor` or `prototype`, or that nest too deep. */
describe('hostile JSON reaching every implemented operation', () => {
  let fz: Fuzzer;
  before(async () => {
    fz = await startFuzzer();
  });
  after(() => fz.close());

  const post = (op: string, body: string) => fz.send('ecs', op, body);

  it('a __proto__ member is refused by name and creates nothing', async () => {
    const r = await post('CreateCluster', '{"__proto__":{"clusterName":12345}}');
    assert.equal(r.status, 400);
    assert.match(r.text, /Unknown member '__proto__'/);
    const list = await post('ListClusters', '{}');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.clusterArns, []);
  });

  it('map keys named __proto__ are refused; constructor is just a key', async () => {
    const bad = await post(
      'RegisterTaskDefinition',
      '{"family":"f","containerDefinitions":[{"name":"a","image":"x","dockerLabels":{"__proto__":{"image":1}}}]}',
    );
    assert.equal(bad.status, 400);
    assert.match(bad.text, /__proto__/);
    const ok = await post(
      'RegisterTaskDefinition',
      '{"family":"f","containerDefinitions":[{"name":"a","image":"x","memory":64,"dockerLabels":{"constructor":"c"}}]}',
    );
    assert.equal(ok.status, 200, ok.text);
    const td = ok.body['taskDefinition'] as { containerDefinitions: { dockerLabels: Record<string, string> }[] };
    assert.equal(td.containerDefinitions[0]?.dockerLabels['constructor'], 'c');
  });

  it('operation names inherited from Object.prototype are unknown operations', async () => {
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await post(name, '{}');
      assert.equal(r.status, 400, name);
      assert.equal(r.body.__type, 'UnknownOperationException');
      const q = await fz.app.inject({
        method: 'POST',
        url: '/',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-amz-date': '20240101T000000Z',
          authorization:
            'AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab',
        },
        payload: `Action=${name}&Version=2011-06-15`,
      });
      assert.equal(q.statusCode, 400, name);
      assert.match(q.body, /<Code>InvalidAction<\/Code>/);
    }
  });

  it('10,000 levels of nesting answer 400 SerializationException, once and the same way', async () => {
    const deep = '{"clusterName":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}';
    const r = await post('CreateCluster', deep);
    assert.equal(r.status, 400);
    assert.equal(r.body.__type, 'SerializationException');
    assert.match(r.body.message ?? '', /nesting/);
  });

  it('generated requests with hostile keys for every implemented operation: no 5xx but 501, nothing poisoned', async () => {
    const report = await fz.run({ perOperation: 12, seed: 7 });
    assert.ok(report.requests > 500, `${report.requests} requests`);
    assert.deepEqual(report.faults, []);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'clusterName'), false);
    assert.equal(({} as Record<string, unknown>)['image'], undefined);
    // Generated calls may have deleted the default cluster (DeleteCluster is fuzzed too): the
    // lists below name it, so it is made again first; what is checked is that they still answer.
    assert.equal((await post('CreateCluster', '{}')).status, 200);
    for (const op of ['ListClusters', 'DescribeClusters', 'ListTaskDefinitions', 'ListServices']) {
      const r = await post(op, '{}');
      assert.equal(r.status, 200, `${op}: ${r.text}`);
    }
  });
});
