import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeInput, validationMessage } from './decode.js';
import { loadModel } from './load.js';

const ecs = loadModel('ecs');

describe('decodeInput against the ECS model', () => {
  it('passes a valid request through, converting nothing it need not', () => {
    const r = decodeInput(ecs, 'RunTaskRequest', { taskDefinition: 'web:1', count: 2, launchType: 'EC2' });
    assert.deepEqual(r.typeErrors, []);
    assert.deepEqual(r.constraintErrors, []);
    assert.deepEqual(r.value, { taskDefinition: 'web:1', count: 2, launchType: 'EC2' });
  });

  it('names a missing required member', () => {
    const r = decodeInput(ecs, 'RunTaskRequest', { count: 1 });
    assert.deepEqual(r.constraintErrors, [
      "Value null at 'taskDefinition' failed to satisfy constraint: Member must not be null",
    ]);
  });

  it('names a nested missing member with its Coral path', () => {
    const r = decodeInput(ecs, 'RegisterTaskDefinitionRequest', {
      family: 'web',
      containerDefinitions: [
        { name: 'a', image: 'busybox' },
        { image: 'busybox', portMappings: [{ containerPort: 'eighty' }] },
      ],
    });
    assert.deepEqual(r.typeErrors, [
      "Value 'eighty' at 'containerDefinitions.2.member.portMappings.1.member.containerPort' is not a valid integer",
    ]);
  });

  it('refuses a value outside the enum, listing the allowed ones', () => {
    const r = decodeInput(ecs, 'RunTaskRequest', { taskDefinition: 'web', launchType: 'MAINFRAME' });
    assert.equal(r.constraintErrors.length, 1);
    assert.match(
      r.constraintErrors[0] as string,
      /Value 'MAINFRAME' at 'launchType' failed to satisfy constraint: Member must satisfy enum value set: \[EC2, FARGATE, EXTERNAL/,
    );
  });

  it('refuses unknown members, naming them', () => {
    const r = decodeInput(ecs, 'ListClustersRequest', { maxResults: 10, colour: 'blue' });
    assert.deepEqual(r.constraintErrors, ["Unknown member 'colour': it is not part of ListClustersRequest"]);
  });

  it('checks types: a string where a structure belongs, a number where a list belongs', () => {
    const r = decodeInput(ecs, 'RunTaskRequest', { taskDefinition: 'web', overrides: 'none', tags: 3 });
    assert.deepEqual(r.typeErrors, [
      "Value 'none' at 'overrides' is not a valid structure",
      "Value '3' at 'tags' is not a valid list",
    ]);
  });

  it('checks lengths and ranges from the model', () => {
    const ecr = loadModel('ecr');
    const r = decodeInput(ecr, 'CreateRepositoryRequest', { repositoryName: 'a' });
    assert.match(
      r.constraintErrors[0] as string,
      /at 'repositoryName' failed to satisfy constraint: Member must have length greater than or equal to 2/,
    );
    const logs = loadModel('logs');
    const r2 = decodeInput(logs, 'DescribeLogGroupsRequest', { limit: 5000 });
    assert.match(
      r2.constraintErrors[0] as string,
      /Value '5000' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50/,
    );
  });

  it('checks patterns and converts timestamps and blobs', () => {
    const logs = loadModel('logs');
    const bad = decodeInput(logs, 'CreateLogGroupRequest', { logGroupName: 'has spaces!' });
    assert.match(bad.constraintErrors[0] as string, /Member must satisfy regular expression pattern/);
    const r = decodeInput(ecs, 'ListTasksRequest', {});
    assert.deepEqual(r.value, {});
    const ecr = loadModel('ecr');
    const part = decodeInput(ecr, 'UploadLayerPartRequest', {
      repositoryName: 'app',
      uploadId: '0b2ee5e7-0f7c-4b8d-9f2e-1b1b1b1b1b1b',
      partFirstByte: 0,
      partLastByte: 2,
      layerPartBlob: Buffer.from('abc').toString('base64'),
    });
    assert.deepEqual(part.typeErrors, []);
    assert.ok(Buffer.isBuffer((part.value as { layerPartBlob: Buffer }).layerPartBlob));
  });

  it('treats JSON null as absent', () => {
    const r = decodeInput(ecs, 'ListClustersRequest', { nextToken: null });
    assert.deepEqual(r.value, {});
    assert.deepEqual(r.constraintErrors, []);
  });

  it('summarises like AWS', () => {
    assert.equal(validationMessage(['a', 'b']), '2 validation errors detected: a; b');
    assert.equal(validationMessage(['a']), '1 validation error detected: a');
  });
});
