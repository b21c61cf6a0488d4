import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { callBerth, defaultEndpoint } from './endpoint.js';
import { clusterOfTask } from './logs-command.js';

test("berth's commands find berth where the AWS tools are pointed", () => {
  assert.equal(defaultEndpoint({}), 'http://localhost:4566');
  assert.equal(defaultEndpoint({ AWS_ENDPOINT_URL: 'http://h:1' }), 'http://h:1');
  assert.equal(defaultEndpoint({ AWS_ENDPOINT_URL: 'http://h:1', AWS_ENDPOINT_URL_ECS: 'http://e:2' }), 'http://e:2');
});

test('an unreachable berth is named, with the cause and what to do', async () => {
  // A port nothing listens on: taken from the kernel, then let go.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  await assert.rejects(callBerth(`http://127.0.0.1:${port}/_berth/usage`), (e: Error) =>
    e.message.startsWith(
      `cannot reach berth at http://127.0.0.1:${port}: ECONNREFUSED (is it running? start it with: berth up`,
    ),
  );
});

test('a full task ARN names its cluster', () => {
  assert.equal(clusterOfTask('arn:aws:ecs:us-east-1:000000000000:task/prod/0123abcd'), 'prod');
  assert.equal(clusterOfTask('0123abcd'), 'default');
});
