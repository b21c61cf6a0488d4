import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ContainerSpec } from '../../wire/index.js';
import { updateVolumeFiles, writeVolumeFiles } from './volume-files.js';
import { containerBinds, volumeSource } from './volumes.js';

const dirs = { taskDir: '/agent/tasks/t1', sharedDir: '/agent/volumes' };

test('each kind of volume has its place on the host', () => {
  assert.equal(volumeSource({ name: 'h', source: { type: 'host', path: '/srv/data' } }, dirs), '/srv/data');
  assert.equal(
    volumeSource({ name: 'scratch', source: { type: 'workload' } }, dirs),
    '/agent/tasks/t1/volumes/scratch',
  );
  assert.equal(volumeSource({ name: 'cache', source: { type: 'shared' } }, dirs), '/agent/volumes/cache');
  assert.equal(volumeSource({ name: '../x', source: { type: 'workload' } }, dirs), '/agent/tasks/t1/volumes/.._x');
});

test("a container's mounts become binds, read-only as the spec says", () => {
  const volumes = [
    { name: 'data', source: { type: 'host' as const, path: '/srv/data' } },
    { name: 'tmp', source: { type: 'workload' as const } },
    { name: 'scratch', source: { type: 'workload' as const, mode: 0o777 } },
  ];
  const reader = {
    name: 'reader',
    mounts: [
      { volume: 'tmp', containerPath: '/own', readOnly: false },
      { volume: 'data', containerPath: '/data', readOnly: true },
      { volume: 'scratch', containerPath: '/scratch', readOnly: false },
    ],
  } as ContainerSpec;
  assert.deepEqual(containerBinds(reader, volumes, dirs), [
    { destination: '/own', source: '/agent/tasks/t1/volumes/tmp', readOnly: false },
    { destination: '/data', source: '/srv/data', readOnly: true },
    { destination: '/scratch', source: '/agent/tasks/t1/volumes/scratch', readOnly: false, mode: 0o777 },
  ]);
  assert.throws(
    () =>
      containerBinds(
        { name: 'x', mounts: [{ volume: 'nope', containerPath: '/n', readOnly: false }] } as ContainerSpec,
        volumes,
        dirs,
      ),
    /unknown volume 'nope'/,
  );
});

test('a files volume is written whole, read-only, and nothing goes outside it', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'berth-files-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const files = [
    { path: 'a.conf', content: Buffer.from('x=1').toString('base64'), mode: 0o600 },
    { path: 'sub/dir/b', content: Buffer.from([0, 1, 2]).toString('base64'), mode: 0o644 },
  ];
  const [bind] = containerBinds(
    { name: 'c', mounts: [{ volume: 'cfg', containerPath: '/etc/cfg', readOnly: false }] } as ContainerSpec,
    [{ name: 'cfg', source: { type: 'files', files } }],
    { taskDir: root, sharedDir: join(root, 'shared') },
  );
  assert.equal(bind?.readOnly, true);
  assert.deepEqual(bind?.files, files);
  const dir = join(root, 'volumes', 'cfg');
  writeVolumeFiles(dir, files);
  assert.equal(readFileSync(join(dir, 'a.conf'), 'utf8'), 'x=1');
  assert.equal(statSync(join(dir, 'a.conf')).mode & 0o777, 0o600);
  assert.deepEqual([...readFileSync(join(dir, 'sub/dir/b'))], [0, 1, 2]);
  // A second writer (another container of the workload) leaves the first copy as it is.
  writeVolumeFiles(dir, [{ path: 'other', content: '', mode: 0o644 }]);
  assert.deepEqual(
    readdirSync(dir)
      .filter((n) => !n.startsWith('..'))
      .sort(),
    ['a.conf', 'sub'],
  );
  for (const path of ['../escape', '/abs', 'a/../../b', 'a//b', './x', '..data', '..x/y']) {
    const target = join(root, 'volumes', 'bad');
    assert.throws(
      () => writeVolumeFiles(target, [{ path, content: '', mode: 0o644 }]),
      /not a relative path inside the volume/,
      path,
    );
    assert.deepEqual(readdirSync(join(root, 'volumes')), ['cfg'], 'nothing is left of a refused volume');
  }
  assert.deepEqual(readdirSync(root).sort(), ['volumes']);
});

test('a files volume changes in one step under its readers: ..data swapped, links made and removed', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-vol-update-'));
  try {
    const dir = join(root, 'cfg');
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    writeVolumeFiles(dir, [
      { path: 'color', content: b64('blue'), mode: 0o644 },
      { path: 'old', content: b64('x'), mode: 0o644 },
    ]);
    assert.equal(readlinkSync(join(dir, 'color')), join('..data', 'color'));
    const first = readlinkSync(join(dir, '..data'));
    assert.equal(
      updateVolumeFiles(dir, [
        { path: 'color', content: b64('red'), mode: 0o644 },
        { path: 'nested/size', content: b64('2'), mode: 0o600 },
      ]),
      true,
    );
    assert.equal(readFileSync(join(dir, 'color'), 'utf8'), 'red');
    assert.equal(readFileSync(join(dir, 'nested', 'size'), 'utf8'), '2');
    assert.equal(existsSync(join(dir, 'old')), false, 'a file no longer there goes');
    assert.notEqual(readlinkSync(join(dir, '..data')), first);
    assert.equal(existsSync(join(dir, first)), false, 'the old version goes');
    assert.deepEqual(
      readdirSync(dir)
        .filter((n) => !n.startsWith('..'))
        .sort(),
      ['color', 'nested'],
    );
    // A directory of another layout (made before this one) is left alone.
    const plain = join(root, 'plain');
    mkdirSync(plain);
    assert.equal(updateVolumeFiles(plain, [{ path: 'a', content: '', mode: 0o644 }]), false);
    assert.deepEqual(readdirSync(plain), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
