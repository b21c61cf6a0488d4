import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startAgentFixture, type AgentFixture } from './agent-fixture.js';
import { awsJson, putEachSecondUntil, sleep } from './harness.js';

// ECS deployment alarms through the AWS CLI: a revision whose tasks never become healthy is rolled
// back when the CloudWatch alarm the service watches goes into ALARM during its deployment.
describe('ECS deployment alarms', () => {
  let fx: AgentFixture | undefined;
  after(async () => fx?.dispose());

  it('rolls a bad revision back when a deployment alarm fires', async () => {
    fx = await startAgentFixture();
    const f = fx;
    const { aws } = awsJson(f.berth.endpoint);
    await aws([
      'cloudwatch',
      'put-metric-alarm',
      '--alarm-name',
      'errors',
      '--namespace',
      'Shop',
      '--metric-name',
      'Errors',
      '--statistic',
      'Sum',
      '--period',
      '10',
      '--evaluation-periods',
      '1',
      '--threshold',
      '1',
      '--comparison-operator',
      'GreaterThanOrEqualToThreshold',
      '--treat-missing-data',
      'notBreaching',
    ]);
    await f.register('web', [
      { name: 'main', image: f.imageUri, memory: 16, command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"] },
    ]);
    await aws([
      'ecs',
      'create-service',
      '--service-name',
      'web',
      '--task-definition',
      'web',
      '--desired-count',
      '1',
      '--deployment-configuration',
      JSON.stringify({ alarms: { alarmNames: ['errors'], enable: true, rollback: true } }),
    ]);
    let state = '';
    for (let i = 0; i < 60 && state !== 'COMPLETED'; i++) {
      await sleep(1000);
      state = (await aws(['ecs', 'describe-services', '--services', 'web'])).services[0].deployments[0].rolloutState;
    }
    assert.equal(
      state,
      'COMPLETED',
      JSON.stringify((await aws(['ecs', 'describe-services', '--services', 'web'])).services[0]),
    );

    // The second revision never passes its health check; meanwhile the application reports errors.
    await f.register('web', [
      {
        name: 'main',
        image: f.imageUri,
        memory: 16,
        command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"],
        healthCheck: { command: ['CMD-SHELL', 'exit 1'], interval: 5, timeout: 2, retries: 1 },
      },
    ]);
    await aws(['ecs', 'update-service', '--service', 'web', '--task-definition', 'web:2']);
    const [v2] = (await aws(['ecs', 'list-service-deployments', '--service', 'web'])).serviceDeployments;
    type Deployment = { status: string; alarms?: { status: string; triggeredAlarmNames?: string[] } };
    const d = (await putEachSecondUntil(
      f.berth.endpoint,
      'Shop',
      'MetricName=Errors,Value=5,StorageResolution=1',
      async (): Promise<Deployment> =>
        (await aws(['ecs', 'describe-service-deployments', '--service-deployment-arns', v2.serviceDeploymentArn]))
          .serviceDeployments[0],
      (x) => x.status === 'ROLLBACK_SUCCESSFUL',
      90,
    )) as Deployment;
    assert.equal(d.status, 'ROLLBACK_SUCCESSFUL');
    assert.equal(d.alarms?.status, 'TRIGGERED');
    assert.deepEqual(d.alarms?.triggeredAlarmNames, ['errors']);
    const svc = (await aws(['ecs', 'describe-services', '--services', 'web'])).services[0];
    assert.match(svc.taskDefinition, /:1$/);
    assert.ok(
      svc.events.some((e: { message: string }) =>
        /^\(service web\) \(deployment ecs-svc\/\d+\) deployment failed: alarm detected: errors\.$/.test(e.message),
      ),
      JSON.stringify(svc.events.slice(0, 6)),
    );
    const tasks = (
      await aws([
        'ecs',
        'describe-tasks',
        '--tasks',
        ...(await aws(['ecs', 'list-tasks', '--service-name', 'web'])).taskArns,
      ])
    ).tasks;
    assert.deepEqual(
      tasks.map((t: { taskDefinitionArn: string }) => t.taskDefinitionArn.split(':').pop()),
      ['1'],
    );
  });
});
