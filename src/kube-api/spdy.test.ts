import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerBlock, parseHeaderBlock, SpdySession, type SpdyStream } from './spdy.js';
import { controlFrame, SpdyTestClient } from './test-spdy-client.js';

/** A session served to a test client. */
class Client extends SpdyTestClient {
  closed = false;
  readonly streams: SpdyStream[] = [];
  readonly session: SpdySession;
  constructor() {
    let session: SpdySession | undefined;
    super((b) => session?.receive(b));
    this.session = session = new SpdySession({ write: (d) => this.feed(d), close: () => (this.closed = true) }, (s) =>
      this.streams.push(s),
    );
  }
}

const control = controlFrame;

describe('SPDY/3.1 sessions', () => {
  it('answers streams, carries data both ways, echoes pings and hears resets', async () => {
    const c = new Client();
    await c.open(1, { streamType: 'error', port: '80', requestID: '0' });
    await c.open(3, { streamtype: 'data', port: '80', requestid: '0' });
    assert.deepEqual(await c.read(), ['reply 1 0', 'reply 3 0']);
    const [err, data] = c.streams;
    assert.equal(err?.headers.get('streamtype'), 'error', 'names are lower case');
    assert.equal(data?.headers.get('requestid'), '0');
    const got: string[] = [];
    data?.onData((d) => got.push(d.toString()));
    let ended = false;
    data?.onEnd(() => (ended = true));
    // Split across receives: frames are reassembled.
    const h = Buffer.alloc(8);
    h.writeUInt32BE(3, 0);
    h.writeUInt32BE(5, 4);
    c.session.receive(h.subarray(0, 3));
    c.session.receive(Buffer.concat([h.subarray(3), Buffer.from('he')]));
    c.session.receive(Buffer.from('llo'));
    c.data(3, '', true);
    await c.read();
    assert.deepEqual(got, ['hello']);
    assert.equal(ended, true);
    data?.write(Buffer.from('back'));
    data?.end();
    const ping = control(6, 0, Buffer.from([0, 0, 0, 7]));
    c.session.receive(ping);
    assert.deepEqual(await c.read(), ['data 3 back', 'data 3  FIN', 'control 6 7']);
    let reset = false;
    err?.onReset(() => (reset = true));
    const rst = Buffer.alloc(8);
    rst.writeUInt32BE(1, 0);
    rst.writeUInt32BE(5, 4);
    c.session.receive(control(3, 0, rst));
    await c.read();
    assert.equal(reset, true);
    err?.write(Buffer.from('nobody hears this'));
    assert.deepEqual(await c.read(), []);
  });

  it('keeps the header stream in step over many blocks', async () => {
    const c = new Client();
    for (let id = 1; id < 40; id += 2) await c.open(id, { port: String(8000 + id), streamtype: 'data' });
    const replies = await c.read();
    assert.equal(replies.length, 20);
    assert.deepEqual(
      c.streams.map((s) => s.headers.get('port')),
      Array.from({ length: 20 }, (_, i) => String(8001 + 2 * i)),
    );
  });

  it('ends a session that breaks the framing, with a GOAWAY', async () => {
    const huge = new Client();
    const h = Buffer.alloc(8);
    h.writeUInt32BE(1, 0);
    h.writeUInt32BE(0xffffff, 4);
    huge.session.receive(h);
    assert.deepEqual(await huge.read(), ['control 7 0 1']);
    assert.equal(huge.closed, true);

    const garbage = new Client();
    const p = Buffer.concat([Buffer.alloc(10), Buffer.from('not zlib at all')]);
    p.writeUInt32BE(1, 0);
    garbage.session.receive(control(1, 0, p));
    assert.deepEqual(await garbage.read(), ['control 7 0 1']);
    assert.equal(garbage.closed, true);

    const v2 = new Client();
    const f = control(6, 0, Buffer.alloc(4));
    f.writeUInt16BE(0x8002, 0);
    v2.session.receive(f);
    await v2.read();
    assert.equal(v2.closed, true);
  });

  it('refuses header blocks cut short', () => {
    assert.throws(() => parseHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9, 65])), /cut short/);
    assert.throws(() => parseHeaderBlock(Buffer.from([0, 0])), /shorter than its count/);
    assert.deepEqual([...parseHeaderBlock(headerBlock(new Map([['A', 'b']])))], [['a', 'b']]);
  });
});
