import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY_DICTIONARY } from './spdy-dictionary.js';

/**
 * The server end of a SPDY/3.1 session, as kubectl port-forward speaks it (its streams carry the
 * bytes of one forwarded connection each): frames parsed from a byte stream (a socket after a
 * `SPDY/3.1` upgrade, or a websocket's binary messages), streams opened by the client and
 * answered, data both ways, pings echoed. Flow control is not enforced (kubectl's SPDY library
 * does not either). Frames and header blocks have size limits; a peer breaking them, or the
 * framing, loses its session.
 */

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const HEADERS = 8;
const FLAG_FIN = 0x01;
/** The largest frame taken (kubectl sends data in pieces of 32 KiB). */
const MAX_FRAME = 1024 * 1024;
/** The largest header block, inflated. */
const MAX_HEADERS = 64 * 1024;
/** RST_STREAM status: the stream was cancelled. */
export const CANCEL = 5;

export interface SpdyTransport {
  write(data: Buffer): void;
  close(): void;
}

/** One stream the client opened: its headers (names lower case), its data, and its end. */
export class SpdyStream {
  private dataListener?: (d: Buffer) => void;
  private endListener?: () => void;
  private resetListener?: () => void;
  private ended = false;
  /** Data that came before a listener did. */
  private early: Buffer[] = [];
  localEnded = false;
  reset = false;

  constructor(
    readonly id: number,
    readonly headers: ReadonlyMap<string, string>,
    private readonly session: SpdySession,
  ) {}

  onData(l: (d: Buffer) => void): void {
    this.dataListener = l;
    for (const d of this.early) l(d);
    this.early = [];
  }
  onEnd(l: () => void): void {
    this.endListener = l;
    if (this.ended) l();
  }
  onReset(l: () => void): void {
    this.resetListener = l;
    if (this.reset) l();
  }
  write(data: Buffer): void {
    if (this.localEnded || this.reset) return;
    for (let at = 0; at < data.length; at += 32 * 1024)
      this.session.send(dataFrame(this.id, data.subarray(at, at + 32 * 1024), false));
  }
  end(): void {
    if (this.localEnded || this.reset) return;
    this.localEnded = true;
    this.session.send(dataFrame(this.id, Buffer.alloc(0), true));
    if (this.ended) this.session.forget(this.id);
  }
  cancel(): void {
    if (this.reset) return;
    this.session.send(rstStream(this.id, CANCEL));
    this.gone();
  }

  /** @internal */ received(d: Buffer, fin: boolean): void {
    if (d.length > 0) {
      if (this.dataListener) this.dataListener(d);
      else this.early.push(d);
    }
    if (fin && !this.ended) {
      this.ended = true;
      this.endListener?.();
    }
  }
  /** @internal */ gone(): void {
    if (this.reset) return;
    this.reset = true;
    this.resetListener?.();
  }
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(payload.length, 4);
  h.writeUInt8(flags, 4);
  return Buffer.concat([h, payload]);
}

function dataFrame(stream: number, data: Buffer, fin: boolean): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(stream & 0x7fffffff, 0);
  h.writeUInt32BE(data.length, 4);
  h.writeUInt8(fin ? FLAG_FIN : 0, 4);
  return Buffer.concat([h, data]);
}

function rstStream(stream: number, status: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(stream & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return control(RST_STREAM, 0, p);
}

/** A header block: a count, then each name and value with its 4-byte length. */
export function parseHeaderBlock(b: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  if (b.length < 4) throw new Error('a header block shorter than its count');
  const n = b.readUInt32BE(0);
  let at = 4;
  const next = () => {
    if (at + 4 > b.length) throw new Error('a header block cut short');
    const len = b.readUInt32BE(at);
    if (at + 4 + len > b.length) throw new Error('a header block cut short');
    const s = b.subarray(at + 4, at + 4 + len).toString('latin1');
    at += 4 + len;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const name = next();
    out.set(name.toLowerCase(), next());
  }
  return out;
}

export function headerBlock(h: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4)];
  parts[0]?.writeUInt32BE(h.size);
  for (const [k, v] of h)
    for (const s of [k, v]) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(Buffer.byteLength(s, 'latin1'));
      parts.push(len, Buffer.from(s, 'latin1'));
    }
  return Buffer.concat(parts);
}

/**
 * One direction's zlib stream for header blocks: a session compresses (and decompresses) all its
 * blocks as one stream, each block ending at a sync flush. Calls run in order.
 */
export class HeaderZ {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly z: Inflate | Deflate) {
    z.on('error', () => undefined); // reported to the caller of the block that failed
  }

  run(input: Buffer, limit: number): Promise<Buffer> {
    const done = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const out: Buffer[] = [];
          let size = 0;
          const onData = (d: Buffer) => {
            size += d.length;
            if (size > limit) fail(new Error(`a header block larger than ${limit} bytes`));
            else out.push(d);
          };
          const fail = (e: Error) => {
            this.z.off('data', onData);
            this.z.off('error', fail);
            reject(e);
          };
          this.z.on('data', onData);
          this.z.once('error', fail);
          this.z.write(input);
          this.z.flush(constants.Z_SYNC_FLUSH, () => {
            this.z.off('data', onData);
            this.z.off('error', fail);
            if (size <= limit) resolve(Buffer.concat(out));
          });
        }),
    );
    this.chain = done.catch(() => undefined);
    return done;
  }

  close(): void {
    this.z.destroy();
  }
}

export class SpdySession {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflate = new HeaderZ(createInflate({ dictionary: SPDY_DICTIONARY }));
  private readonly deflate = new HeaderZ(createDeflate({ dictionary: SPDY_DICTIONARY }));
  /** Frames are handled one after another: a header block's inflate is asynchronous. */
  private inbox: Promise<void> = Promise.resolve();
  /** And sent in order: a reply's deflate is too, and a stream's data must not overtake it. */
  private outbox: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly transport: SpdyTransport,
    private readonly onStream: (s: SpdyStream) => void,
    private readonly onClose: () => void = () => undefined,
  ) {}

  /** Bytes from the client, in any pieces. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= 8) {
      const len = this.buffered.readUInt32BE(4) & 0xffffff;
      if (len > MAX_FRAME) return this.close(`a frame of ${len} bytes is larger than ${MAX_FRAME}`);
      if (this.buffered.length < 8 + len) break;
      const frame = this.buffered.subarray(0, 8 + len);
      this.buffered = this.buffered.subarray(8 + len);
      this.inbox = this.inbox.then(() => this.handle(frame)).catch((e: Error) => this.close(e.message));
    }
  }

  /** @internal A frame, after every one sent before it. */
  send(frame: Buffer | Promise<Buffer>): void {
    this.outbox = this.outbox
      .then(async () => {
        const f = await frame;
        if (!this.closed) this.transport.write(f);
      })
      .catch((e: Error) => this.close(e.message));
  }

  /** @internal Both ends of a stream are closed. */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** Ends the session: every stream is gone (a GOAWAY tells the client, unless it left first). */
  close(why?: string): void {
    if (this.closed) return;
    if (why !== undefined) {
      const p = Buffer.alloc(8);
      p.writeUInt32BE(1, 4); // PROTOCOL_ERROR
      this.transport.write(control(GOAWAY, 0, p));
    }
    this.closed = true;
    for (const s of this.streams.values()) s.gone();
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    this.transport.close();
    this.onClose();
  }

  private async handle(f: Buffer): Promise<void> {
    if (this.closed) return;
    const flags = f.readUInt8(4);
    const payload = f.subarray(8);
    if ((f.readUInt8(0) & 0x80) === 0) {
      const s = this.streams.get(f.readUInt32BE(0) & 0x7fffffff);
      if (!s) return; // data for a stream that ended: dropped, as the spec allows
      s.received(payload, (flags & FLAG_FIN) !== 0);
      if ((flags & FLAG_FIN) !== 0 && s.localEnded) this.streams.delete(s.id);
      return;
    }
    const version = f.readUInt16BE(0) & 0x7fff;
    if (version !== VERSION) throw new Error(`SPDY version ${version} is not spoken here`);
    const type = f.readUInt16BE(2);
    if (type === SYN_STREAM) {
      if (payload.length < 10) throw new Error('a SYN_STREAM cut short');
      const id = payload.readUInt32BE(0) & 0x7fffffff;
      const headers = parseHeaderBlock(await this.inflate.run(payload.subarray(10), MAX_HEADERS));
      if (id % 2 === 0 || this.streams.has(id)) return this.send(rstStream(id, 1)); // PROTOCOL_ERROR
      const s = new SpdyStream(id, headers, this);
      this.streams.set(id, s);
      const reply = Buffer.alloc(4);
      reply.writeUInt32BE(id, 0);
      this.send(
        this.deflate
          .run(headerBlock(new Map()), MAX_HEADERS)
          .then((block) => control(SYN_REPLY, 0, Buffer.concat([reply, block]))),
      );
      this.onStream(s);
      if ((flags & FLAG_FIN) !== 0) s.received(Buffer.alloc(0), true);
    } else if (type === RST_STREAM && payload.length >= 4) {
      const id = payload.readUInt32BE(0) & 0x7fffffff;
      this.streams.get(id)?.gone();
      this.streams.delete(id);
    } else if (type === PING) {
      this.send(f); // the answer is the ping itself
    } else if (type === GOAWAY) {
      this.close();
    } else if (type === HEADERS && payload.length >= 4) {
      // Read only to keep the header stream in step.
      await this.inflate.run(payload.subarray(4), MAX_HEADERS);
    }
    // SETTINGS, WINDOW_UPDATE and the rest ask nothing of a server that does not enforce windows.
  }
}
