import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSpec } from '../../wire/index.js';
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
  ];
  const reader = {
    name: 'reader',
    mounts: [
      { volume: 'tmp', containerPath: '/own', readOnly: false },
      { volume: 'data', containerPath: '/data', readOnly: true },
    ],
  } as ContainerSpec;
  assert.deepEqual(containerBinds(reader, volumes, dirs), [
    { destination: '/own', source: '/agent/tasks/t1/volumes/tmp', readOnly: false },
    { destination: '/data', source: '/srv/data', readOnly: true },
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
