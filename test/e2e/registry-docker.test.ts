import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsCli, startBerth, type BerthProcess } from './harness.js';
import { startDockerd, type Dockerd } from './dockerd.js';
import { buildBusyboxImage, skopeo, type OciImage } from './images.js';

describe('the Docker CLI against the berth registry', () => {
  let berth: BerthProcess;
  let dockerd: Dockerd;
  let image: OciImage;
  let host: string;
  before(async () => {
    [berth, dockerd, image] = await Promise.all([
      startBerth(),
      startDockerd(),
      buildBusyboxImage({ files: { '/etc/docker-e2e': 'yes' } }),
    ]);
    host = new URL(berth.endpoint).host;
    const load = await skopeo([
      'copy',
      image.ref,
      'docker-daemon:berth-e2e/busybox:local',
      '--dest-daemon-host',
      `unix://${dockerd.socket}`,
    ]);
    assert.equal(load.code, 0, load.stderr);
  });
  after(async () => {
    await Promise.allSettled([berth.dispose(), dockerd.stop()]);
    image.dispose();
  });

  it('logs in with the ECR token, pushes, pulls back the same digest', async () => {
    assert.equal(
      (await awsCli(berth.endpoint, ['ecr', 'create-repository', '--repository-name', 'docker/busybox'])).code,
      0,
    );
    const password = (await awsCli(berth.endpoint, ['ecr', 'get-login-password'])).stdout;
    const login = await dockerd.docker(['login', '--username', 'AWS', '--password-stdin', host], password);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Login Succeeded/);
    assert.equal((await dockerd.docker(['tag', 'berth-e2e/busybox:local', `${host}/docker/busybox:v1`])).code, 0);
    const push = await dockerd.docker(['push', `${host}/docker/busybox:v1`]);
    assert.equal(push.code, 0, push.stderr);
    const pushed = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    assert.ok(pushed, push.stdout);
    const described = await awsCli(berth.endpoint, ['ecr', 'describe-images', '--repository-name', 'docker/busybox']);
    assert.equal(JSON.parse(described.stdout).imageDetails[0].imageDigest, pushed);
    assert.equal((await dockerd.docker(['rmi', `${host}/docker/busybox:v1`, 'berth-e2e/busybox:local'])).code, 0);
    const pull = await dockerd.docker(['pull', `${host}/docker/busybox:v1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Digest: ${pushed}`));
    const inspect = await dockerd.docker([
      'image',
      'inspect',
      `${host}/docker/busybox:v1`,
      '--format',
      '{{json .RepoDigests}}',
    ]);
    assert.deepEqual(JSON.parse(inspect.stdout), [`${host}/docker/busybox@${pushed}`]);
  });

  it('refuses a wrong token at login', async () => {
    const login = await dockerd.docker(['login', '--username', 'AWS', '--password-stdin', host], 'forged.token');
    assert.notEqual(login.code, 0);
    assert.match(login.stderr, /unauthorized|401/i);
  });
});
