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

  const post = (target: string, body: string) =>
    fz.app.inject({
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        'x-amz-date': '20240101T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab',
      },
      payload: body,
    });

  it('a __proto__ member is refused by name and creates nothing', async () => {
    const r = await post('AmazonEC2ContainerServiceV20141113.CreateCluster', '{"__proto__":{"clusterName":12345}}');
    assert.equal(r.statusCode, 400);
    assert.match(r.body, /Unknown member '__proto__'/);
    const list = await post('AmazonEC2ContainerServiceV20141113.ListClusters', '{}');
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().clusterArns, []);
  });

  it('map keys named __proto__ are refused; constructor is just a key', async () => {
    const bad = await post(
      'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition',
      '{"family":"f","containerDefinitions":[{"name":"a","image":"x","dockerLabels":{"__proto__":{"image":1}}}]}',
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /__proto__/);
    const ok = await post(
      'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition',
      '{"family":"f","containerDefinitions":[{"name":"a","image":"x","memory":64,"dockerLabels":{"constructor":"c"}}]}',
    );
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().taskDefinition.containerDefinitions[0].dockerLabels.constructor, 'c');
  });

  it('operation names inherited from Object.prototype are unknown operations', async () => {
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await post(`AmazonEC2ContainerServiceV20141113.${name}`, '{}');
      assert.equal(r.statusCode, 400, name);
      assert.equal(r.json().__type, 'UnknownOperationException');
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
    const r = await post('AmazonEC2ContainerServiceV20141113.CreateCluster', deep);
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().__type, 'SerializationException');
    assert.match(r.json().message, /nesting/);
  });

  it('generated requests with hostile keys for every implemented operation: no 5xx but 501, nothing poisoned', async () => {
    const report = await fz.run({ perOperation: 12, seed: 7 });
    assert.ok(report.requests > 500, `${report.requests} requests`);
    assert.deepEqual(report.faults, []);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'clusterName'), false);
    assert.equal(({} as Record<string, unknown>)['image'], undefined);
    for (const target of [
      'AmazonEC2ContainerServiceV20141113.ListClusters',
      'AmazonEC2ContainerServiceV20141113.DescribeClusters',
      'AmazonEC2ContainerServiceV20141113.ListTaskDefinitions',
      'AmazonEC2ContainerServiceV20141113.ListServices',
    ]) {
      const r = await post(target, '{}');
      assert.equal(r.statusCode, 200, `${target}: ${r.body}`);
    }
  });
});
