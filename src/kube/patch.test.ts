import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { jsonPatch, mergePatch, META_MERGE_KEYS, strategicMergePatch } from './patch.js';

describe('patches', () => {
  it('merge patch: objects merge, null deletes, lists and scalars replace, the target is left alone', () => {
    const target = { data: { a: '1', b: '2' }, list: [1, 2], keep: true };
    const out = mergePatch(target, { data: { b: null, c: '3' }, list: [3] });
    assert.deepEqual(out, { data: { a: '1', c: '3' }, list: [3], keep: true });
    assert.deepEqual(target, { data: { a: '1', b: '2' }, list: [1, 2], keep: true });
  });

  it('merge patch: a "__proto__" key is data, not the prototype', () => {
    const out = mergePatch({}, JSON.parse('{"data":{"__proto__":{"polluted":"yes"}}}')) as { data: object };
    assert.equal(Object.getPrototypeOf(out.data), Object.prototype);
    assert.deepEqual(Object.keys(out.data), ['__proto__']);
    assert.equal(({} as { polluted?: string }).polluted, undefined);
  });

  it('JSON patch: add, remove, replace, move, copy and test, all or nothing', () => {
    const doc = { data: { a: '1' }, list: ['x', 'y'] };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/data/b', value: '2' },
      { op: 'add', path: '/list/-', value: 'z' },
      { op: 'remove', path: '/list/0' },
      { op: 'replace', path: '/data/a', value: 'one' },
      { op: 'copy', from: '/data/a', path: '/data/c' },
      { op: 'move', from: '/data/b', path: '/data/d~1e' },
      { op: 'test', path: '/list', value: ['y', 'z'] },
    ]);
    assert.deepEqual(out, { data: { a: 'one', c: 'one', 'd/e': '2' }, list: ['y', 'z'] });
    assert.deepEqual(doc, { data: { a: '1' }, list: ['x', 'y'] });
    assert.throws(
      () =>
        jsonPatch(doc, [
          { op: 'remove', path: '/data/a' },
          { op: 'test', path: '/data/a', value: '1' },
        ]),
      /does not exist/,
    );
    assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/list/7' }]), /out of bounds/);
    assert.throws(
      () => jsonPatch(doc, [{ op: 'frobnicate', path: '/' }]),
      (e: unknown) => e instanceof BerthError && e.detail.reason === 'malformed' && /unknown op/.test(e.message),
    );
    assert.throws(() => jsonPatch(doc, { op: 'add' }), /must be an array/);
    // Copies of a large subtree add up to a limit, however small the patch.
    const big = { data: { blob: 'x'.repeat(1024 * 1024) } };
    const copies = Array.from({ length: 100 }, (_, i) => ({ op: 'copy', from: '/data/blob', path: `/data/c${i}` }));
    assert.throws(
      () => jsonPatch(big, copies),
      (e: unknown) => e instanceof BerthError && e.detail.reason === 'too-large',
    );
  });

  it('strategic merge patch: finalizers merge as a set, owner references by uid, directives honoured', () => {
    const target = {
      metadata: {
        finalizers: ['a'],
        ownerReferences: [
          { uid: '1', name: 'one', kind: 'X', apiVersion: 'v1' },
          { uid: '2', name: 'two', kind: 'X', apiVersion: 'v1' },
        ],
        labels: { x: '1', y: '2' },
      },
      data: { a: '1' },
    };
    const out = strategicMergePatch(
      target,
      {
        metadata: {
          finalizers: ['b', 'a'],
          ownerReferences: [
            { uid: '2', $patch: 'delete' },
            { uid: '1', name: 'uno' },
          ],
          labels: { y: null },
        },
        data: { $patch: 'replace', b: '2' },
      },
      META_MERGE_KEYS,
    ) as typeof target;
    assert.deepEqual(out.metadata.finalizers, ['a', 'b']);
    assert.deepEqual(out.metadata.ownerReferences, [{ uid: '1', name: 'uno', kind: 'X', apiVersion: 'v1' }]);
    assert.deepEqual(out.metadata.labels, { x: '1' });
    assert.deepEqual(out.data, { b: '2' });
    const removed = strategicMergePatch(
      target,
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      META_MERGE_KEYS,
    );
    assert.deepEqual((removed as typeof target).metadata.finalizers, []);
    const retained = strategicMergePatch({ a: 1, b: 2, c: 3 }, { $retainKeys: ['a'], c: 4 }, META_MERGE_KEYS);
    assert.deepEqual(retained, { a: 1, c: 4 });
    assert.throws(() => strategicMergePatch(target, { $frob: 1 }, META_MERGE_KEYS), /unknown patch directive/);
  });
});
