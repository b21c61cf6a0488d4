import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readBody } from '../../src/aws-api/body.js';
import { awsServices } from '../../src/server/app.js';
import { testApp, type TestApp } from '../../src/server/test-app.js';

// A full collection before each heap reading, with or without --expose-gc on the command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Slow, huge and endless clients on real sockets against the real edge app. */
const signed = {
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
  'x-amz-date': '20240101T000000Z',
  authorization:
    'AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab',
};

describe('connections', () => {
  let app: FastifyInstance;
  let port: number;
  const sockets: Socket[] = [];
  let t: TestApp;
  before(async () => {
    t = await testApp();
    app = t.app;
    app.server.on('connection', (s: Socket) => sockets.push(s));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  after(() => t.dispose());

  it('50,000 calls on one keep-alive connection add no listener and no memory per call', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const call = () =>
      new Promise<number>((resolve, reject) => {
        const req = request({ port, method: 'POST', path: '/', agent, headers: signed }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end('{}');
      });
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    for (let i = 0; i < 2_000; i++) assert.equal(await call(), 200);
    const before = heap();
    const first = sockets.length;
    for (let i = 0; i < 48_000; i++) await call();
    const grown = heap() - before;
    process.off('warning', onWarning);
    agent.destroy();
    assert.equal(sockets.length, first, 'all calls went over the one connection');
    const server = sockets[sockets.length - 1] as Socket;
    assert.ok(server.listenerCount('close') < 10, `${server.listenerCount('close')} close listeners on the socket`);
    assert.deepEqual(
      warnings.filter((w) => w === 'MaxListenersExceededWarning'),
      [],
    );
    // Before the fix each call left ~1.3 KB on the connection: 48,000 calls, ~60 MB.
    assert.ok(grown < 24 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MB over 48,000 calls`);
  });

  it('a body larger than the service allows is answered 413 at once and the connection closed', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('close', () => resolve(text));
      s.on('error', reject);
      const headers = Object.entries(signed)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      // Declares 64 MB and sends none of it: the answer must not wait for the body.
      s.write(`POST / HTTP/1.1\r\nhost: x\r\n${headers}content-length: ${64 * 1024 * 1024}\r\n\r\n`);
    });
    assert.match(answer, /^HTTP\/1\.1 413/);
    assert.match(answer, /RequestEntityTooLargeException/);
    assert.match(answer, /connection: close/i);
  });

  it('a body that trickles in is cut off at its deadline', async () => {
    const payload = new PassThrough();
    payload.write('{');
    const t0 = Date.now();
    const services = awsServices({ registry: t.registry, controlPlane: t.controlPlane });
    await assert.rejects(
      readBody({ ...signed, 'content-length': '100' }, '/', payload, {
        services,
        auth: { mode: 'open', keys: new Map() },
        now: () => new Date(),
        timeoutMs: 200,
      }),
      (e: Error & { status?: number }) => e.name === 'RequestTimeout' && e.status === 408,
    );
    assert.ok(Date.now() - t0 < 5_000);
    assert.equal(payload.listenerCount('data'), 0);
  });
});
