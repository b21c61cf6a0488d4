import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workloadSpecSchema } from '../../wire/index.js';
import { FLEET, type TaskDefinitionRecord, type TaskRecord } from '../tables.js';
import { ECS_WORDS } from '../../../test/ecs-words.js';
import { ecsWorkload } from './ecs-workload.js';

const ID = 'c0ffee00c0ffee00c0ffee00c0ffee00';

const td = (input: Record<string, unknown>): TaskDefinitionRecord =>
  ({
    family: 'f',
    revision: 1,
    arn: 'arn:aws:ecs:eu-west-1:000000000000:task-definition/f:1',
    input,
  }) as TaskDefinitionRecord;

const task = (extra: Partial<TaskRecord> = {}): TaskRecord =>
  ({
    id: ID,
    arn: `arn:aws:ecs:eu-west-1:000000000000:task/default/${ID}`,
    desiredStatus: 'RUNNING',
    overrides: {},
    cpu: 256,
    memory: 512,
    ...extra,
  }) as TaskRecord;

const ECS = new Set(ECS_WORDS);

function keys(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) keys(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      keys(x, out);
    }
  }
  return out;
}

describe('an ECS task as the neutral workload', () => {
  it("translates the Fargate tutorial's task, in no ECS words", () => {
    const spec = ecsWorkload(
      task({ host: { pool: FLEET, id: 'h1' }, subnetId: 'subnet-1', ephemeralStorageGiB: 21 }),
      td({
        networkMode: 'awsvpc',
        containerDefinitions: [
          {
            name: 'fargate-app',
            image: 'httpd:2.4',
            entryPoint: ['sh', '-c'],
            command: ['httpd-foreground'],
            portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
            healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], interval: 10, retries: 2 },
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/ecs/app', 'awslogs-stream-prefix': 'web', 'awslogs-create-group': 'true' },
            },
          },
        ],
      }),
    );
    assert.deepEqual(workloadSpecSchema.parse(spec), spec, 'valid on the wire as it is');
    assert.deepEqual(
      [...keys(spec)].filter((k) => ECS.has(k)),
      [],
    );
    assert.equal(spec.sandbox.network.mode, 'own');
    assert.deepEqual(spec.sandbox.isolation, { cpuUnits: 256, memoryBytes: 512 * 2 ** 20, storageBytes: 21 * 2 ** 30 });
    assert.deepEqual(spec.sandbox.platformEnv, {
      AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
    });
    const c = spec.containers[0];
    assert.deepEqual([c?.command, c?.args], [['sh', '-c'], ['httpd-foreground']]);
    assert.deepEqual(c?.ports, [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }]);
    assert.equal(c?.resources.memoryLimitBytes, 512 * 2 ** 20, "held to the task's memory on Fargate");
    assert.deepEqual(c?.probes.health, {
      action: { type: 'exec', command: ['/bin/sh', '-c', 'curl -f http://localhost/ || exit 1'] },
      periodMs: 10_000,
      timeoutMs: 5_000,
      failureThreshold: 2,
      successThreshold: 1,
      gracePeriodMs: 0,
    });
    assert.deepEqual(c?.log, {
      type: 'cloudwatch',
      group: '/ecs/app',
      stream: `web/fargate-app/${ID}`,
      createGroup: true,
    });
    assert.equal(c?.essential, true);
    assert.deepEqual(c?.stop, { timeoutMs: 30_000, signal: 'TERM' });
  });

  it('applies overrides and resolves start order, dynamic ports, volumes and volumesFrom', () => {
    const spec = ecsWorkload(
      task({
        overrides: { containerOverrides: [{ name: 'app', environment: [{ name: 'MODE', value: 'override' }] }] },
      }),
      td({
        volumes: [{ name: 'data', host: { sourcePath: '/srv/data' } }, { name: 'scratch' }],
        containerDefinitions: [
          {
            name: 'app',
            image: 'app',
            memory: 64,
            environment: [{ name: 'MODE', value: 'registered' }],
            portMappings: [{ containerPort: 8080 }, { containerPort: 53, hostPort: 5353, protocol: 'udp' }],
            mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }],
            dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }],
            stopTimeout: 5,
          },
          {
            name: 'init',
            image: 'init',
            essential: false,
            volumesFrom: [{ sourceContainer: 'app', readOnly: true }],
            mountPoints: [{ sourceVolume: 'scratch', containerPath: '/tmp/x' }],
          },
        ],
      }),
    );
    workloadSpecSchema.parse(spec);
    assert.equal(spec.sandbox.network.mode, 'bridge');
    assert.deepEqual(spec.sandbox.volumes, [
      { name: 'data', source: { type: 'host', path: '/srv/data' } },
      { name: 'scratch', source: { type: 'workload' } },
    ]);
    const [app, init] = spec.containers;
    // Each container of a bridge or awsvpc task is told its own metadata URIs, after its own variables.
    const meta = spec.sandbox.metadata;
    assert.deepEqual(app?.env, [
      { name: 'MODE', value: 'override' },
      { name: 'ECS_CONTAINER_METADATA_URI_V4', value: `http://169.254.170.2/v4/${meta?.id}-app` },
      { name: 'ECS_CONTAINER_METADATA_URI', value: `http://169.254.170.2/v3/${meta?.id}-app` },
    ]);
    assert.equal(meta?.task['Family'], 'f');
    assert.deepEqual(app?.ports, [
      { containerPort: 8080, protocol: 'tcp' },
      { containerPort: 53, hostPort: 5353, protocol: 'udp' },
    ]);
    assert.deepEqual(app?.startAfter, [{ container: 'init', condition: 'succeeded' }]);
    assert.deepEqual(app?.stop.timeoutMs, 5000);
    assert.equal(app?.resources.memoryLimitBytes, 64 * 2 ** 20);
    assert.equal(init?.essential, false);
    assert.deepEqual(init?.mounts, [
      { volume: 'scratch', containerPath: '/tmp/x', readOnly: false },
      { volume: 'data', containerPath: '/data', readOnly: true },
    ]);
    assert.equal(init?.resources.memoryLimitBytes, undefined, 'no limit of its own off Fargate');
    assert.deepEqual(app?.restart, { policy: 'never', ignoredExitCodes: [], backoff: false });
    assert.equal(spec.sandbox.platformEnv['AWS_EXECUTION_ENV'], 'AWS_ECS_EC2');
  });

  it("takes ECS's container restart policy: at once, ignored exit codes, a minimum run (300 s by default)", () => {
    const spec = ecsWorkload(
      task(),
      td({
        containerDefinitions: [
          { name: 'a', image: 'a', restartPolicy: { enabled: true, ignoredExitCodes: [0], restartAttemptPeriod: 60 } },
          { name: 'b', image: 'b', restartPolicy: { enabled: true } },
        ],
      }),
    );
    assert.deepEqual(
      spec.containers.map((c) => c.restart),
      [
        { policy: 'always', ignoredExitCodes: [0], minRunMs: 60_000, backoff: false },
        { policy: 'always', ignoredExitCodes: [], minRunMs: 300_000, backoff: false },
      ],
    );
  });

  it('gives a container its stdin held open (interactive) and a terminal (pseudoTerminal), as docker run -i -t does', () => {
    const spec = ecsWorkload(
      task(),
      td({
        containerDefinitions: [
          { name: 'a', image: 'a', interactive: true, pseudoTerminal: true },
          { name: 'b', image: 'b', pseudoTerminal: true },
          { name: 'c', image: 'c' },
        ],
      }),
    );
    assert.deepEqual(
      spec.containers.map((c) => c.stdio),
      [{ stdin: true, stdinOnce: false, tty: true }, { stdin: false, stdinOnce: false, tty: true }, undefined],
    );
  });

  it('gives a container no new privileges when its dockerSecurityOptions ask', () => {
    const spec = ecsWorkload(
      task(),
      td({
        containerDefinitions: [
          { name: 'a', image: 'a', dockerSecurityOptions: ['no-new-privileges'] },
          { name: 'b', image: 'b', dockerSecurityOptions: ['seccomp:unconfined'] },
        ],
      }),
    );
    assert.deepEqual(
      spec.containers.map((c) => c.security.noNewPrivileges),
      [true, undefined],
    );
  });

  it('says when a task cannot start: volumes berth does not serve, awslogs options Docker refuses', () => {
    const rexray = ecsWorkload(
      task(),
      td({
        volumes: [
          { name: 'r', dockerVolumeConfiguration: { driver: 'rexray' } },
          { name: 'e', host: {} },
        ],
        containerDefinitions: [{ name: 'a', image: 'a' }],
      }),
    );
    assert.match(rexray.cannotStart ?? '', /Docker volume driver 'rexray' is not implemented/);
    const logs = ecsWorkload(
      task(),
      td({
        containerDefinitions: [{ name: 'a', image: 'a', logConfiguration: { logDriver: 'awslogs', options: {} } }],
      }),
    );
    assert.equal(logs.cannotStart, "CannotCreateContainerError: must specify a value for log opt 'awslogs-group'");
    const empty = ecsWorkload(
      task(),
      td({ volumes: [{ name: 'e', host: {} }], containerDefinitions: [{ name: 'a', image: 'a' }] }),
    );
    assert.deepEqual(empty.sandbox.volumes, [{ name: 'e', source: { type: 'workload' } }]);
    // Without a prefix ECS names the stream task-id/container; awslogs-stream names it outright.
    const streams = ecsWorkload(
      task(),
      td({
        containerDefinitions: [
          { name: 'a', image: 'a', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } } },
          {
            name: 'b',
            image: 'b',
            logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-stream': 'mine' } },
          },
        ],
      }),
    );
    assert.deepEqual(
      streams.containers.map((c) => (c.log.type === 'cloudwatch' ? c.log.stream : '')),
      [`${ID}/a`, 'mine'],
    );
    const spec = ecsWorkload(
      task(),
      td({
        volumes: [{ name: 'efs', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }],
        containerDefinitions: [{ name: 'a', image: 'a' }],
      }),
    );
    assert.equal(
      spec.cannotStart,
      "CannotStartContainerError: volume 'efs': EFS and FSx volumes are not implemented by berth's agent",
    );
  });
});
