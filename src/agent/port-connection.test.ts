import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { connectPort } from './port-connection.js';

describe('port connections for port-forward', () => {
  it('carries bytes both ways, half-closes on end of input, and exits 0 when the far end closes', async () => {
    const server = createServer({ allowHalfOpen: true }, (s) => {
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('end', () => s.end(`echo:${got}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const p = await connectPort('127.0.0.1', port);
      let out = '';
      p.onOutput((_s, d) => (out += d.toString()));
      const exited = new Promise<number>((r) => p.onExit(r));
      p.write(Buffer.from('ping'));
      p.end();
      assert.equal(await exited, 0);
      assert.equal(out, 'echo:ping');
    } finally {
      server.close();
    }
  });

  it('closes a connection whose far end reads nothing once what waits for it passes the limit', async () => {
    const held: Socket[] = [];
    // The far end takes the connection and never reads from it.
    const server = createServer((s) => {
      s.pause();
      held.push(s);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const p = await connectPort('127.0.0.1', port);
      const exited = new Promise<number>((r) => p.onExit(r));
      const chunk = Buffer.alloc(1024 * 1024);
      let sent = 0;
      let done = false;
      void exited.then(() => (done = true));
      // Far more than the limit, unless the connection is closed first.
      for (; sent < 256 * 1024 * 1024 && !done; sent += chunk.length) {
        p.write(chunk);
        if (sent % (8 * 1024 * 1024) === 0) await new Promise((r) => setImmediate(r));
      }
      assert.equal(await exited, 0);
      assert.ok(sent < 256 * 1024 * 1024, `cut after ${sent} bytes`);
    } finally {
      for (const s of held) s.destroy();
      server.close();
    }
  });

  it("rejects with the system's words when nothing listens", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    await assert.rejects(connectPort('127.0.0.1', port), /ECONNREFUSED/);
  });
});
