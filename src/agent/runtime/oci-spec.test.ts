import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSpec } from '../../wire/index.js';
import { containerSpec } from '../test-twins.js';
import { buildSpec } from './oci-spec.js';

const base = {
  image: { Env: ['PATH=/bin', 'AWS_REGION=from-image'] },
  user: { uid: 0, gid: 0 },
  hostname: 'h',
  network: 'none',
  cgroupsPath: '/berth/x',
  etcFiles: [],
  binds: [],
};

test("every container gets the platform's variables, under its own environment and over the image's", () => {
  const platformEnv = { AWS_EXECUTION_ENV: 'AWS_ECS_EC2', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' };
  const env = (c: ContainerSpec) =>
    (buildSpec({ ...base, container: c, platformEnv }) as { process: { env: string[] } }).process.env;
  const plain = env(containerSpec({ name: 'a', args: ['true'] }));
  assert.ok(plain.includes('AWS_EXECUTION_ENV=AWS_ECS_EC2'));
  assert.ok(plain.includes('AWS_REGION=eu-west-1'));
  assert.ok(plain.includes('AWS_DEFAULT_REGION=eu-west-1'));
  const own = env(containerSpec({ name: 'a', args: ['true'], env: [{ name: 'AWS_REGION', value: 'mine' }] }));
  assert.ok(own.includes('AWS_REGION=mine'));
  const secret = env(
    containerSpec({
      name: 'a',
      args: ['true'],
      env: [{ name: 'DB', value: 'plain' }],
      secretEnv: [{ name: 'DB', from: '/db', value: 's3cret' }],
    }),
  );
  assert.ok(secret.includes('DB=s3cret'), 'a secret is set over the container’s own variable');
});

test('variables that carry the workload’s address get it once its network is made', () => {
  const c = containerSpec({ name: 'a', args: ['true'], addressEnv: ['POD_IP'] });
  const env = (address?: string) =>
    (buildSpec({ ...base, container: c, ...(address ? { address } : {}) }) as { process: { env: string[] } }).process
      .env;
  assert.ok(env('172.30.0.7').includes('POD_IP=172.30.0.7'));
  assert.ok(!env().some((e) => e.startsWith('POD_IP=')));
});

test("an empty working directory from the task or the image means '/'", () => {
  const spec = buildSpec({
    ...base,
    image: { WorkingDir: '' },
    container: containerSpec({ name: 'a', args: ['true'], workingDir: '' }),
  }) as {
    process: { cwd: string };
  };
  assert.equal(spec.process.cwd, '/');
});
