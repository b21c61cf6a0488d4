import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BerthError } from '../kernel/errors.js';
import { parseDigest, type Digest } from './digest.js';
import { FsBlobStore } from './fs-blob-store.js';

const root = mkdtempSync(join(tmpdir(), 'berth-blob-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => new FsBlobStore(join(root, `s${n++}`));

const sha = (b: Buffer | string, alg: 'sha256' | 'sha512' = 'sha256'): Digest =>
  parseDigest(`${alg}:${createHash(alg).update(b).digest('hex')}`);
async function* chunks(...parts: (string | Buffer)[]) {
  for (const p of parts) yield Buffer.from(p);
}
async function* failingAfter(part: string) {
  yield Buffer.from(part);
  throw new Error('client went away');
}
async function readAll(s: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const c of s) out += c.toString();
  return out;
}
async function readAllBuffer(s: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c);
  return Buffer.concat(parts);
}
const kind = (code: string) => (e: unknown) => e instanceof BerthError && e.detail.reason === code;

describe('filesystem blob store', () => {
  it('stores content under its digest and reads it back, whole or by range', async () => {
    const s = fresh();
    const info = await s.put(chunks('hello ', 'world'), sha('hello world'));
    assert.equal(info.size, 11);
    assert.deepEqual(await s.stat(sha('hello world')), { digest: sha('hello world'), size: 11 });
    assert.equal(await readAll(s.read(sha('hello world'))), 'hello world');
    assert.equal(await readAll(s.read(sha('hello world'), { start: 6, end: 10 })), 'world');
  });

  it('computes the digest when none is given, and keeps identical content once', async () => {
    const s = fresh();
    const a = await s.put(chunks('same'));
    const b = await s.put(chunks('sa', 'me'));
    assert.deepEqual(a, b);
    const listed = [];
    for await (const x of s.list()) listed.push(x.digest.hex);
    assert.deepEqual(listed, [sha('same').hex]);
  });

  it('refuses content that does not match its digest and leaves nothing behind', async () => {
    const s = fresh();
    await assert.rejects(s.put(chunks('tampered'), sha('original')), kind('digest-invalid'));
    assert.equal(await s.stat(sha('original')), undefined);
    assert.deepEqual(readdirSync(join(root, `s${n - 1}`, 'tmp')), []);
  });

  it('supports sha512', async () => {
    const s = fresh();
    await s.put(chunks('x'), sha('x', 'sha512'));
    assert.equal((await s.stat(sha('x', 'sha512')))?.size, 1);
  });

  it('refuses blobs over the size limit', async () => {
    const s = fresh();
    await assert.rejects(s.put(chunks('12345'), undefined, { maxSize: 4 }), kind('too-large'));
  });

  it('appends upload chunks in order and commits under the verified digest', async () => {
    const s = fresh();
    await s.uploads.begin('u1');
    assert.equal(await s.uploads.append('u1', chunks('abc'), { offset: 0, length: 3 }), 3);
    assert.equal(await s.uploads.append('u1', chunks('def')), 6);
    await assert.rejects(s.uploads.append('u1', chunks('zzz'), { offset: 3 }), kind('range-invalid'));
    assert.equal(await s.uploads.size('u1'), 6);
    await assert.rejects(s.uploads.commit('u1', sha('abcdeX')), kind('digest-invalid'));
    assert.deepEqual(await s.uploads.commit('u1', sha('abcdef')), { digest: sha('abcdef'), size: 6 });
    assert.equal(await s.uploads.size('u1'), undefined);
    assert.equal(await readAll(s.read(sha('abcdef'))), 'abcdef');
  });

  it('rolls a chunk back whole when the client goes away or sends a different length', async () => {
    const s = fresh();
    await s.uploads.begin('u2');
    await s.uploads.append('u2', chunks('keep'));
    await assert.rejects(s.uploads.append('u2', failingAfter('partial')), /client went away/);
    assert.equal(await s.uploads.size('u2'), 4);
    await assert.rejects(s.uploads.append('u2', chunks('12'), { length: 5 }), kind('upload-invalid'));
    assert.equal(await s.uploads.size('u2'), 4);
    await s.uploads.append('u2', chunks('+more'));
    await s.uploads.commit('u2', sha('keep+more'));
  });

  it('resumes an upload after a restart, rebuilding the hash from disk', async () => {
    const dir = join(root, 'restart');
    const before = new FsBlobStore(dir);
    await before.uploads.begin('u3');
    await before.uploads.append('u3', chunks('first half, '));
    const after = new FsBlobStore(dir);
    assert.equal(await after.uploads.size('u3'), 12);
    await after.uploads.append('u3', chunks('second half'), { offset: 12 });
    await after.uploads.commit('u3', sha('first half, second half'));
    assert.equal((await after.stat(sha('first half, second half')))?.size, 23);
  });

  it('keeps one whole copy when two servers on one directory land the same content at once', async () => {
    const dir = join(root, 'shared');
    const [a, b] = [new FsBlobStore(dir), new FsBlobStore(dir)];
    const body = Buffer.alloc(4 << 20, 'layer ');
    const digest = sha(body);
    const puts = Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).put(chunks(body), digest));
    for (const r of await Promise.all(puts)) assert.equal(r.size, body.length);
    for (const s of [a, b]) {
      assert.equal((await s.stat(digest))?.size, body.length);
      assert.equal(
        createHash('sha256')
          .update(await readAllBuffer(s.read(digest)))
          .digest('hex'),
        digest.hex,
      );
    }
    assert.deepEqual(readdirSync(join(dir, 'tmp')), [], 'no temporary file left by either');
  });

  it('finishes on one server an upload begun on another sharing the directory', async () => {
    const dir = join(root, 'handover');
    const [a, b] = [new FsBlobStore(dir), new FsBlobStore(dir)];
    await a.uploads.begin('u9');
    await a.uploads.append('u9', chunks('begun on a, '));
    await b.uploads.append('u9', chunks('ended on b'), { offset: 12 });
    await b.uploads.commit('u9', sha('begun on a, ended on b'));
    assert.equal(await readAll(a.read(sha('begun on a, ended on b'))), 'begun on a, ended on b');
  });

  it('aborts an upload and forgets it', async () => {
    const s = fresh();
    await s.uploads.begin('u4');
    await s.uploads.append('u4', chunks('x'));
    assert.equal((await s.uploads.list()).length, 1);
    await s.uploads.abort('u4');
    assert.deepEqual(await s.uploads.list(), []);
    await assert.rejects(
      s.uploads.append('u4', chunks('y')),
      (e: unknown) => e instanceof BerthError && e.kind === 'NotFound',
    );
  });

  it('deletes content', async () => {
    const s = fresh();
    await s.put(chunks('gone'));
    assert.equal(await s.delete(sha('gone')), true);
    assert.equal(await s.delete(sha('gone')), false);
    assert.equal(await s.stat(sha('gone')), undefined);
  });
});

describe('digests', () => {
  it('accepts sha256 and sha512 and names what is wrong otherwise', () => {
    assert.equal(parseDigest(`sha256:${'a'.repeat(64)}`).algorithm, 'sha256');
    for (const bad of ['sha256:abc', `md5:${'a'.repeat(32)}`, `sha256:${'A'.repeat(64)}`, 'nodigest']) {
      assert.throws(() => parseDigest(bad), kind('digest-invalid'));
    }
  });
});
