import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { jsonCall, testApp, TARGETS, type TestApp } from './test-app.js';

/** Answers checked against AWS's documentation where berth used to differ. */

describe('fidelity to AWS', () => {
  let t: TestApp;
  let app: FastifyInstance;
  let registry: TestApp['registry'];
  before(async () => {
    t = await testApp();
    ({ app, registry } = t);
  });
  after(() => t.dispose());

  const call = (service: keyof typeof TARGETS, op: string, body: object) => jsonCall(app, service, op, body);

  it('ListTaskDefinitions --family-prefix matches the whole family name', async () => {
    for (const family of ['web', 'web-worker']) {
      const r = await call('ecs', 'RegisterTaskDefinition', {
        family,
        containerDefinitions: [{ name: 'a', image: 'busybox', memory: 16 }],
      });
      assert.equal(r.status, 200);
    }
    const r = await call('ecs', 'ListTaskDefinitions', { familyPrefix: 'web' });
    assert.deepEqual(r.body.taskDefinitionArns, ['arn:aws:ecs:us-east-1:000000000000:task-definition/web:1']);
    const fams = await call('ecs', 'ListTaskDefinitionFamilies', { familyPrefix: 'web' });
    assert.deepEqual(fams.body.families, ['web', 'web-worker']);
  });

  it('DescribeTasks and DescribeContainerInstances refuse an empty list as ECS does', async () => {
    await call('ecs', 'CreateCluster', {});
    const t = await call('ecs', 'DescribeTasks', { tasks: [] });
    assert.equal(t.status, 400);
    assert.equal(t.body.__type, 'InvalidParameterException');
    assert.equal(t.body.message, 'Tasks cannot be empty.');
    const c = await call('ecs', 'DescribeContainerInstances', { containerInstances: [] });
    assert.equal(c.status, 400);
    assert.equal(c.body.message, 'Container instance cannot be empty.');
  });

  it('PutImage without a tag stores an untagged image; a refused manifest stores no bytes', async () => {
    await call('ecr', 'CreateRepository', { repositoryName: 'untagged' });
    const config = Buffer.from('{}');
    const cfgDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    const blobs = () => {
      try {
        return readdirSync(join(registry.blobRoot, 'sha256'), { recursive: true }).length;
      } catch {
        return 0;
      }
    };
    const before = blobs();
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: config.length },
      layers: [],
    });
    const refused = await call('ecr', 'PutImage', { repositoryName: 'untagged', imageManifest: manifest });
    assert.equal(refused.status, 400);
    assert.equal(blobs(), before, 'the refused manifest left no blob');
    const empty = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    });
    const ok = await call('ecr', 'PutImage', { repositoryName: 'untagged', imageManifest: empty });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const digest = `sha256:${createHash('sha256').update(empty).digest('hex')}`;
    assert.deepEqual((ok.body.image as { imageId: object }).imageId, { imageDigest: digest });
    const list = await call('ecr', 'ListImages', { repositoryName: 'untagged' });
    assert.deepEqual(list.body.imageIds, [{ imageDigest: digest }]);
  });

  it('client faults answer 400 where the model gives no other status', async () => {
    const r = await call('ecr', 'DeleteRepository', { repositoryName: 'untagged' });
    assert.equal(r.body.__type, 'RepositoryNotEmptyException');
    assert.equal(r.status, 400);
  });

  it('refuses, naming the field, a task that needs what berth cannot give it yet', async () => {
    const base = { name: 'app', image: 'busybox', memory: 16 };
    const cases: [string, object, object, RegExp][] = [
      [
        'secrets',
        // SSM parameters and Secrets Manager secrets are served; a reference to any other service is refused.
        {
          containerDefinitions: [
            {
              ...base,
              secrets: [{ name: 'DB', valueFrom: 'arn:aws:s3:::bucket/db-password' }],
            },
          ],
        },
        {},
        /containerDefinitions\[0\]\.secrets\[0\]\.valueFrom: berth does not support secrets from the 's3' service/,
      ],
      [
        'envfiles',
        { containerDefinitions: [{ ...base, environmentFiles: [{ type: 's3', value: 'arn:aws:s3:::b/k' }] }] },
        {},
        /containerDefinitions\[0\]\.environmentFiles/,
      ],
      [
        // Task roles are served in bridge, awsvpc and host mode; a role ECS may not assume is refused as ECS does.
        'role',
        { taskRoleArn: 'arn:aws:iam::000000000000:role/app', containerDefinitions: [base] },
        {},
        /^ECS was unable to assume the role 'arn:aws:iam::000000000000:role\/app' that was provided for this task\./,
      ],
      [
        'role-none',
        { taskRoleArn: 'arn:aws:iam::000000000000:role/app', networkMode: 'none', containerDefinitions: [base] },
        {},
        /^taskRoleArn: a task in network mode none cannot reach its role's credentials/,
      ],
      [
        'exec',
        { containerDefinitions: [base] },
        { enableExecuteCommand: true },
        /^enableExecuteCommand: berth does not support ECS Exec/,
      ],
    ];
    await call('ecs', 'CreateCluster', {});
    for (const [family, def, extra, message] of cases) {
      assert.equal((await call('ecs', 'RegisterTaskDefinition', { family, ...def })).status, 200);
      const run = await call('ecs', 'RunTask', { taskDefinition: family, ...extra });
      assert.equal(run.status, 400, family);
      assert.equal(run.body.__type, 'InvalidParameterException');
      assert.match(run.body.message ?? '', message);
      const svc = await call('ecs', 'CreateService', { serviceName: family, taskDefinition: family, ...extra });
      assert.equal(svc.status, 400, family);
      assert.match(svc.body.message ?? '', message);
    }
  });

  it('echoes container definitions with the defaults ECS writes in', async () => {
    const r = await call('ecs', 'RegisterTaskDefinition', {
      family: 'echo',
      containerDefinitions: [
        { name: 'a', image: 'busybox', memory: 16 },
        { name: 'b', image: 'busybox', memory: 16, essential: false, cpu: 128 },
      ],
    });
    const defs = (r.body.taskDefinition as { containerDefinitions: Record<string, unknown>[] }).containerDefinitions;
    assert.deepEqual(defs[0], {
      name: 'a',
      image: 'busybox',
      memory: 16,
      cpu: 0,
      portMappings: [],
      essential: true,
      environment: [],
      mountPoints: [],
      volumesFrom: [],
    });
    assert.equal(defs[1]?.essential, false);
    assert.equal(defs[1]?.cpu, 128);
  });

  it('answers an S3 client in its own XML that berth does not serve S3', async () => {
    const r = await app.inject({
      method: 'GET',
      url: '/',
      headers: {
        'x-amz-date': '20240101T000000Z',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab',
      },
    });
    assert.equal(r.statusCode, 501);
    assert.match(r.headers['content-type'] as string, /xml/);
    assert.match(r.body, /<Error><Code>NotImplemented<\/Code><Message>berth does not serve S3; /);
  });

  it('reads the identity document, keeps a service role, and checks what Fargate and ECS Anywhere can run', async () => {
    const doc = JSON.stringify({ instanceId: 'i-0abc1234def567890', region: 'us-east-1' });
    const reg = await call('ecs', 'RegisterContainerInstance', { instanceIdentityDocument: doc });
    assert.equal((reg.body.containerInstance as { ec2InstanceId?: string }).ec2InstanceId, 'i-0abc1234def567890');
    await call('ecs', 'RegisterTaskDefinition', {
      family: 'plain',
      containerDefinitions: [{ name: 'a', image: 'x', memory: 16 }],
    });
    const svc = await call('ecs', 'CreateService', {
      serviceName: 'with-role',
      taskDefinition: 'plain',
      role: 'ecsServiceRole',
    });
    assert.equal((svc.body.service as { roleArn?: string }).roleArn, 'arn:aws:iam::000000000000:role/ecsServiceRole');
    const vpc = await call('ecs', 'RegisterTaskDefinition', {
      family: 'vpc',
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'a', image: 'x' }],
    });
    assert.deepEqual((vpc.body.taskDefinition as { compatibilities: string[] }).compatibilities, ['EC2', 'FARGATE']);
    const pid = await call('ecs', 'RegisterTaskDefinition', {
      family: 'pid',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      pidMode: 'host',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'a', image: 'x' }],
    });
    assert.equal(pid.status, 400);
    assert.match(pid.body.message ?? '', /pidMode 'host'/);
  });

  it("ECR: another account's registry, policies without a principal, malformed digests, KMS defaults, no media type", async () => {
    const other = await call('ecr', 'DescribeRepositories', {
      registryId: '111122223333',
      repositoryNames: ['untagged'],
    });
    assert.equal(other.body.__type, 'RepositoryNotFoundException');
    assert.match(other.body.message ?? '', /registry with id '111122223333'/);
    const noPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*' }] });
    const policy = await call('ecr', 'SetRepositoryPolicy', { repositoryName: 'untagged', policyText: noPrincipal });
    assert.equal(policy.body.__type, 'InvalidParameterException');
    const bad = await call('ecr', 'BatchGetImage', {
      repositoryName: 'untagged',
      imageIds: [{ imageDigest: 'nodigest' }],
    });
    assert.equal((bad.body.failures as { failureCode: string }[])[0]?.failureCode, 'InvalidImageDigest');
    const kms = await call('ecr', 'CreateRepository', {
      repositoryName: 'kms',
      encryptionConfiguration: { encryptionType: 'KMS' },
    });
    assert.deepEqual((kms.body.repository as { encryptionConfiguration: object }).encryptionConfiguration, {
      encryptionType: 'KMS',
      kmsKey: 'arn:aws:kms:us-east-1:000000000000:alias/aws/ecr',
    });
    const bare = JSON.stringify({ schemaVersion: 2, manifests: [] });
    const put = await call('ecr', 'PutImage', { repositoryName: 'kms', imageManifest: bare, imageTag: 'x' });
    assert.equal(put.status, 400);
    assert.match(put.body.message ?? '', /names no media type/);
    // Once pushed with its type, the same bytes retag without one, as ECR's retag recipe does.
    const typed = {
      repositoryName: 'kms',
      imageManifest: bare,
      imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
    };
    assert.equal((await call('ecr', 'PutImage', { ...typed, imageTag: 'v1' })).status, 200);
    const retag = await call('ecr', 'PutImage', { repositoryName: 'kms', imageManifest: bare, imageTag: 'v2' });
    assert.equal(retag.status, 200, JSON.stringify(retag.body));
    const lc = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        },
      ],
    });
    await call('ecr', 'PutLifecyclePolicy', { repositoryName: 'kms', lifecyclePolicyText: lc });
    const got = await call('ecr', 'GetLifecyclePolicy', { repositoryName: 'kms' });
    assert.equal(got.body.lastEvaluatedAt, 0, 'not evaluated yet: the epoch, as ECR answers');
  });
});
