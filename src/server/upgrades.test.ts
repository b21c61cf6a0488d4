import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { UpgradeRoutes } from './upgrades.js';

const upgrade = (port: number, path: string) =>
  new Promise<{ head: string; closed: Promise<void> }>((resolve) => {
    const s = connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.once('data', (d: Buffer) => resolve({ head: d.toString(), closed }));
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
  });

describe('the edge port’s upgrades', () => {
  it('routes by the longest prefix, answers 404 to the rest, and ends those still open on closeAll', async () => {
    const server = createServer();
    const routes = new UpgradeRoutes(server);
    const hits: string[] = [];
    // A route that keeps its connection open, as a websocket does.
    const keep = (name: string) => (_req: unknown, socket: import('node:stream').Duplex) => {
      hits.push(name);
      socket.write('HTTP/1.1 101 Switching Protocols\r\n\r\n');
    };
    routes.add('/k8s/', keep('kube'));
    routes.add('/k8s/special/', keep('special'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const a = await upgrade(port, '/k8s/default/api/v1/namespaces/x/pods/p/exec?command=sh');
    const b = await upgrade(port, '/k8s/special/thing');
    const c = await upgrade(port, '/elsewhere');
    assert.deepEqual(hits, ['kube', 'special']);
    assert.match(a.head, /^HTTP\/1.1 101/);
    assert.match(c.head, /^HTTP\/1.1 404 Not Found/);
    await c.closed;
    const closing = new Promise<void>((r) => server.close(() => r()));
    routes.closeAll();
    await Promise.all([a.closed, b.closed, closing]);
  });
});
