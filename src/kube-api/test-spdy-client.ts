import { createDeflate, createInflate } from 'node:zlib';
import { SPDY_DICTIONARY } from './spdy-dictionary.js';
import { HeaderZ, headerBlock, parseHeaderBlock } from './spdy.js';

/** A SPDY/3 control frame, as a client writes it. */
export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8003, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(payload.length, 4);
  h.writeUInt8(flags, 4);
  return Buffer.concat([h, payload]);
}

/** kubectl's end of a SPDY session, for tests: it opens streams, sends data, and reads frames back. */
export class SpdyTestClient {
  private readonly deflate = new HeaderZ(createDeflate({ dictionary: SPDY_DICTIONARY }));
  private readonly inflate = new HeaderZ(createInflate({ dictionary: SPDY_DICTIONARY }));
  private pending = Buffer.alloc(0);
  readonly frames: Buffer[] = [];

  constructor(private readonly send: (b: Buffer) => void) {}

  /** Bytes from the server, in any pieces. */
  feed(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const len = this.pending.readUInt32BE(4) & 0xffffff;
      if (this.pending.length < 8 + len) break;
      this.frames.push(this.pending.subarray(0, 8 + len));
      this.pending = this.pending.subarray(8 + len);
    }
  }

  async open(id: number, headers: Record<string, string>, fin = false): Promise<void> {
    const block = await this.deflate.run(headerBlock(new Map(Object.entries(headers))), 1 << 20);
    const p = Buffer.concat([Buffer.alloc(10), block]);
    p.writeUInt32BE(id, 0);
    this.send(controlFrame(1, fin ? 1 : 0, p));
  }

  data(id: number, text: string, fin = false): void {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(id, 0);
    h.writeUInt32BE(Buffer.byteLength(text), 4);
    h.writeUInt8(fin ? 1 : 0, 4);
    this.send(Buffer.concat([h, Buffer.from(text)]));
  }

  /** The frames received since the last read (after a pause), as readable lines. */
  async read(waitMs = 30): Promise<string[]> {
    await new Promise((r) => setTimeout(r, waitMs));
    const out: string[] = [];
    for (const f of this.frames.splice(0)) {
      const flags = f.readUInt8(4);
      if (f.readUInt8(0) & 0x80) {
        const type = f.readUInt16BE(2);
        const id = f.readUInt32BE(8) & 0x7fffffff;
        if (type === 2) {
          const h = parseHeaderBlock(await this.inflate.run(f.subarray(12), 1 << 20));
          out.push(`reply ${id} ${h.size}`);
        } else out.push(`control ${type} ${f.readUInt32BE(8)} ${f.length > 12 ? f.readUInt32BE(12) : ''}`.trim());
      } else out.push(`data ${f.readUInt32BE(0)} ${f.subarray(8).toString()}${flags & 1 ? ' FIN' : ''}`);
    }
    return out;
  }
}

/**
 * A websocket client's binary frame (masked, as a client must send it). The test's own, since ws
 * will not ask for a subprotocol with a `/` in it, as kubectl's tunnel does.
 */
export function wsClientFrame(payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const len = payload.length;
  const head =
    len < 126 ? Buffer.from([0x82, 0x80 | len]) : Buffer.from([0x82, 0x80 | 126, (len >> 8) & 0xff, len & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
  return Buffer.concat([head, mask, body]);
}

/** Reads a server's unmasked binary frames (payloads under 64 KiB) out of a byte stream. */
export class WsFrameReader {
  private pending = Buffer.alloc(0);
  constructor(private readonly onMessage: (payload: Buffer) => void) {}
  feed(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.pending.length < 2) return;
      let len = (this.pending[1] as number) & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.pending.length < 4) return;
        len = this.pending.readUInt16BE(2);
        at = 4;
      }
      if (this.pending.length < at + len) return;
      const opcode = (this.pending[0] as number) & 0x0f;
      if (opcode === 2) this.onMessage(this.pending.subarray(at, at + len));
      this.pending = this.pending.subarray(at + len);
    }
  }
}
