import assert from 'node:assert/strict';
import { test } from 'node:test';
import { platformEnv } from '../container-bundle.js';
import type { LocalTask } from '../task-state.js';
import { buildSpec } from './oci-spec.js';

const base = {
  image: { Env: ['PATH=/bin', 'AWS_REGION=from-image'] },
  user: { uid: 0, gid: 0 },
  hostname: 'h',
  networkMode: 'none',
  cgroupsPath: '/berth/x',
  etcFiles: [],
  binds: [],
};

test("every container gets ECS's variables, under its own environment and over the image's", () => {
  const task = { spec: { taskArn: 'arn:aws:ecs:eu-west-1:000000000000:task/c/abc' } } as unknown as LocalTask;
  const env = (container: object, t = task) =>
    (buildSpec({ ...base, container, platformEnv: platformEnv(t) }) as { process: { env: string[] } }).process.env;
  const plain = env({ name: 'a', command: ['true'] });
  assert.ok(plain.includes('AWS_EXECUTION_ENV=AWS_ECS_EC2'));
  assert.ok(plain.includes('AWS_REGION=eu-west-1'));
  assert.ok(plain.includes('AWS_DEFAULT_REGION=eu-west-1'));
  const own = env({ name: 'a', command: ['true'], environment: [{ name: 'AWS_REGION', value: 'mine' }] });
  assert.ok(own.includes('AWS_REGION=mine'));
  const fargate = { spec: { ...task.spec, fargate: {} } } as unknown as LocalTask;
  assert.ok(env({ name: 'a', command: ['true'] }, fargate).includes('AWS_EXECUTION_ENV=AWS_ECS_FARGATE'));
});

test("an empty working directory from the task or the image means '/'", () => {
  const spec = buildSpec({
    ...base,
    image: { WorkingDir: '' },
    container: { name: 'a', command: ['true'], workingDirectory: '' },
  }) as {
    process: { cwd: string };
  };
  assert.equal(spec.process.cwd, '/');
});
