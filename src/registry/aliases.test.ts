import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registryAliases } from './aliases.js';

test("berth's registry answers to its loopback spellings and to its account's ECR host", () => {
  assert.deepEqual(
    registryAliases({ registryHost: 'localhost:4566', accountId: '000000000000', region: 'eu-west-1' }),
    ['127.0.0.1:4566', '[::1]:4566', '000000000000.dkr.ecr.eu-west-1.amazonaws.com'],
  );
  assert.deepEqual(
    registryAliases({ registryHost: 'berth.example:5000', accountId: '123456789012', region: 'us-east-1' }),
    ['localhost:5000', '127.0.0.1:5000', '[::1]:5000', '123456789012.dkr.ecr.us-east-1.amazonaws.com'],
  );
});
