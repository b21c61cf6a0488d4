import { Transform, type TransformCallback } from 'node:stream';
import { posix } from 'node:path';

/**
 * A tar stream filter that reads every header before the extractor sees it and refuses hostile
 * entries: absolute paths and `..` that leave the snapshot, links that point out of it, writes
 * through a symlink the same layer made, and device nodes. OCI whiteouts are taken out of the
 * stream and reported, to be turned into overlayfs whiteouts after extraction.
 */
export interface GuardReport {
  whiteouts: string[];
  opaqueDirs: string[];
}

export class HostileLayerError extends Error {}

const BLOCK = 512;

function cstring(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

function octal(buf: Buffer, start: number, len: number): number {
  if ((buf[start] as number) & 0x80) {
    // base-256 (GNU) for sizes over 8 GiB
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + (buf[i] as number);
    return n;
  }
  const s = cstring(buf, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(data.toString('utf8', i, sp));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = data.toString('utf8', sp + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/** The entry's path inside the snapshot, or why it is refused. */
export function safePath(name: string): string {
  if (name.startsWith('/')) throw new HostileLayerError(`absolute path '${name}'`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new HostileLayerError(`path '${name}' climbs out with '..'`);
  return parts.join('/');
}

export class TarGuard extends Transform {
  readonly report: GuardReport = { whiteouts: [], opaqueDirs: [] };
  private buf: Buffer = Buffer.alloc(0);
  private state: 'header' | 'data' | 'meta' | 'skip' = 'header';
  private remaining = 0; // bytes of entry data (padded) still to pass or swallow
  private meta: Buffer[] = [];
  private metaKind = '';
  private pending: { path?: string; linkpath?: string } = {};
  private readonly symlinks = new Set<string>();
  private ended = false;

  constructor(private readonly allowDevices = false) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.drain();
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.buf.length) this.push(this.buf);
    done();
  }

  private drain(): void {
    while (this.buf.length > 0) {
      if (this.state === 'header') {
        if (this.ended) {
          this.push(this.buf);
          this.buf = Buffer.alloc(0);
          return;
        }
        if (this.buf.length < BLOCK) return;
        const header = this.buf.subarray(0, BLOCK);
        this.buf = this.buf.subarray(BLOCK);
        this.header(header);
      } else {
        const n = Math.min(this.remaining, this.buf.length);
        const part = this.buf.subarray(0, n);
        if (this.state === 'data') this.push(part);
        else if (this.state === 'meta') this.meta.push(part);
        this.buf = this.buf.subarray(n);
        this.remaining -= n;
        if (this.remaining === 0) {
          if (this.state === 'meta') this.finishMeta();
          this.state = 'header';
        }
      }
    }
  }

  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.ended = true; // end-of-archive blocks pass through unchanged
      this.push(h);
      return;
    }
    const size = octal(h, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const type = String.fromCharCode(h[156] as number) || '0';
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      // Metadata for the next entry: read it here, and let the extractor see it too (global pax aside).
      this.metaKind = type;
      this.meta = [];
      this.remaining = padded;
      this.metaHeader = h;
      this.metaSize = size;
      this.state = 'meta';
      if (padded === 0) {
        this.finishMeta();
        this.state = 'header';
      }
      return;
    }
    const ustar = h.toString('utf8', 257, 262) === 'ustar';
    const prefix = ustar ? cstring(h, 345, 155) : '';
    const rawName = this.pending.path ?? (prefix ? `${prefix}/${cstring(h, 0, 100)}` : cstring(h, 0, 100));
    const link = this.pending.linkpath ?? cstring(h, 157, 100);
    this.pending = {};
    const path = safePath(rawName);
    for (const s of this.symlinks) {
      if (path.startsWith(`${s}/`))
        throw new HostileLayerError(`'${rawName}' would be written through the symlink '${s}'`);
    }
    if ((type === '3' || type === '4') && !this.allowDevices) throw new HostileLayerError(`device node '${rawName}'`);
    if (type === '1') safePath(link); // hard links must stay inside too
    if (type === '2') {
      this.symlinks.add(path);
      const target = link.startsWith('/') ? link : posix.normalize(posix.join(posix.dirname(path), link));
      if (!link.startsWith('/') && (target === '..' || target.startsWith('../'))) {
        // A relative symlink that climbs out is harmless on disk but is refused: nothing may point outside.
        throw new HostileLayerError(`symlink '${rawName}' points outside the layer ('${link}')`);
      }
    }
    const base = posix.basename(path);
    if (base === '.wh..wh..opq') {
      this.report.opaqueDirs.push(posix.dirname(path));
      this.skip(padded);
      return;
    }
    if (base.startsWith('.wh.')) {
      this.report.whiteouts.push(posix.join(posix.dirname(path), base.slice(4)));
      this.skip(padded);
      return;
    }
    this.flushMetaHeaders();
    this.push(h);
    this.remaining = padded;
    this.state = padded > 0 ? 'data' : 'header';
  }

  private metaHeader?: Buffer;
  private metaSize = 0;
  private heldMeta: Buffer[] = [];

  private finishMeta(): void {
    const data = Buffer.concat(this.meta).subarray(0, this.metaSize);
    if (this.metaKind === 'x') {
      const pax = parsePax(data);
      if (pax.path !== undefined) this.pending.path = pax.path;
      if (pax.linkpath !== undefined) this.pending.linkpath = pax.linkpath;
    } else if (this.metaKind === 'L') this.pending.path = data.toString('utf8').replace(/\0+$/, '');
    else if (this.metaKind === 'K') this.pending.linkpath = data.toString('utf8').replace(/\0+$/, '');
    // Held back until the entry they describe is known to be allowed.
    if (this.metaHeader) this.heldMeta.push(this.metaHeader, ...this.meta);
    this.metaHeader = undefined;
  }

  private flushMetaHeaders(): void {
    for (const b of this.heldMeta) this.push(b);
    this.heldMeta = [];
  }

  private skip(padded: number): void {
    this.heldMeta = [];
    this.remaining = padded;
    this.state = padded > 0 ? 'skip' : 'header';
  }
}
