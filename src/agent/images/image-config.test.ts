import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processArgs } from '../runtime/oci-spec.js';
import { imageConfig } from './image-config.js';

// The config section exactly as `docker build` writes it for a Dockerfile with only FROM and CMD.
const dockerBuild = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  Tty: false,
  Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  Cmd: ['sleep', '360'],
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

test("docker build's empty strings and nulls read as unset", () => {
  assert.deepEqual(imageConfig(dockerBuild), { Env: dockerBuild.Env, Cmd: ['sleep', '360'] });
  assert.deepEqual(processArgs({}, imageConfig(dockerBuild)), ['sleep', '360']);
});

test('absent keys, a missing config and wrong types read as unset too', () => {
  assert.deepEqual(imageConfig(undefined), {});
  assert.deepEqual(imageConfig(null), {});
  assert.deepEqual(imageConfig({ Cmd: 'sh', Env: [1], WorkingDir: 7, User: null }), {});
  assert.deepEqual(imageConfig({ WorkingDir: '/app', User: '1000:1000', Entrypoint: ['/init'] }), {
    WorkingDir: '/app',
    User: '1000:1000',
    Entrypoint: ['/init'],
  });
});
