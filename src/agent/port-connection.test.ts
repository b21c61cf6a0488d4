import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
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

  it("rejects with the system's words when nothing listens", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    await assert.rejects(connectPort('127.0.0.1', port), /ECONNREFUSED/);
  });
});
