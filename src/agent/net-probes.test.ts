import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { networkProber } from './net-probes.js';

/** A loopback HTTP server whose answer is the status in the path (`/status/503`); `/hang` never answers. */
describe('network probes, on loopback sockets', () => {
  let server: Server;
  let port = 0;
  const seen: { path: string; agent: string | undefined }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', agent: req.headers['user-agent'] });
      if (req.url === '/hang') return; // never answers
      const m = /^\/status\/(\d+)$/.exec(req.url ?? '');
      res.writeHead(m ? Number(m[1]) : 200, m?.[1] === '302' ? { location: '/elsewhere' } : {});
      // A body bigger than any probe reads: the probe goes by the status line alone.
      res.end('x'.repeat(1 << 20));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const http = (path: string, timeoutMs = 2000) => networkProber.http({ host: '127.0.0.1', port, path }, timeoutMs);

  it('passes an HTTP GET on 2xx and 3xx (redirects not followed), fails it on 4xx and 5xx', async () => {
    assert.equal(await http('/status/200'), true);
    assert.equal(await http('/status/204'), true);
    assert.equal(await http('/status/302'), true);
    assert.equal(await http('/status/404'), false);
    assert.equal(await http('/status/503'), false);
    assert.ok(!seen.some((s) => s.path === '/elsewhere'), 'the redirect was not followed');
    assert.equal(seen[0]?.agent, 'berth-probe/1');
  });

  it('probes a relative path as an absolute one', async () => {
    assert.equal(await http('status/200'), true);
    assert.equal(seen.at(-1)?.path, '/status/200');
  });

  it('fails an HTTP GET that outlives its timeout, or finds nothing listening', async () => {
    assert.equal(await http('/hang', 200), false);
    const closed = await freePort();
    assert.equal(await networkProber.http({ host: '127.0.0.1', port: closed, path: '/' }, 2000), false);
  });

  it('passes a TCP probe when the connection opens, fails it when refused', async () => {
    assert.equal(await networkProber.tcp({ host: '127.0.0.1', port }, 2000), true);
    assert.equal(await networkProber.tcp({ host: '127.0.0.1', port: await freePort() }, 2000), false);
  });
});

/** A port nothing listens on (taken, then let go). */
async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}
