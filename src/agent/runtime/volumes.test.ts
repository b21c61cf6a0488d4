import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerBinds, volumeSource } from './volumes.js';

const dirs = { taskDir: '/agent/tasks/t1', sharedDir: '/agent/volumes' };

test('each kind of volume has its place on the host', () => {
  assert.equal(volumeSource({ name: 'h', host: { sourcePath: '/srv/data' } }, dirs), '/srv/data');
  assert.equal(volumeSource({ name: 'e', host: {} }, dirs), '/agent/tasks/t1/volumes/e');
  assert.equal(volumeSource({ name: 'scratch' }, dirs), '/agent/tasks/t1/volumes/scratch');
  assert.equal(
    volumeSource({ name: 'cache', dockerVolumeConfiguration: { scope: 'shared', driver: 'local' } }, dirs),
    '/agent/volumes/cache',
  );
  assert.equal(volumeSource({ name: '../x' }, dirs), '/agent/tasks/t1/volumes/.._x');
  assert.throws(() => volumeSource({ name: 'efs', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }, dirs), /EFS/);
  assert.throws(() => volumeSource({ name: 'r', dockerVolumeConfiguration: { driver: 'rexray' } }, dirs), /rexray/);
});

test('mountPoints and volumesFrom become binds, read-only where either side says so', () => {
  const volumes = [{ name: 'data', host: { sourcePath: '/srv/data' } }, { name: 'tmp' }];
  const writer = {
    name: 'writer',
    mountPoints: [
      { sourceVolume: 'data', containerPath: '/data' },
      { sourceVolume: 'tmp', containerPath: '/scratch', readOnly: true },
    ],
  };
  const reader = {
    name: 'reader',
    mountPoints: [{ sourceVolume: 'tmp', containerPath: '/own' }],
    volumesFrom: [{ sourceContainer: 'writer', readOnly: true }],
  };
  const all = [writer, reader];
  assert.deepEqual(containerBinds(writer, all, volumes, dirs), [
    { destination: '/data', source: '/srv/data', readOnly: false },
    { destination: '/scratch', source: '/agent/tasks/t1/volumes/tmp', readOnly: true },
  ]);
  assert.deepEqual(containerBinds(reader, all, volumes, dirs), [
    { destination: '/own', source: '/agent/tasks/t1/volumes/tmp', readOnly: false },
    { destination: '/data', source: '/srv/data', readOnly: true },
    { destination: '/scratch', source: '/agent/tasks/t1/volumes/tmp', readOnly: true },
  ]);
  assert.throws(
    () =>
      containerBinds({ name: 'x', mountPoints: [{ sourceVolume: 'nope', containerPath: '/n' }] }, all, volumes, dirs),
    /unknown volume 'nope'/,
  );
});
