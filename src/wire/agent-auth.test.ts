import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentAuthProblem, agentAuthorization } from './agent-auth.js';

const key = { accessKeyId: 'AKIDAGENT', secretAccessKey: 'sekrit' };
const secrets = new Map([[key.accessKeyId, key.secretAccessKey]]);
const secretOf = (id: string) => secrets.get(id);

describe('agent authentication', () => {
  it('accepts a signature made with a known key', () => {
    assert.equal(agentAuthProblem(agentAuthorization(key), secretOf), undefined);
  });

  it('refuses what does not prove a known key, saying why', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const good = agentAuthorization(key, now);
    assert.match(agentAuthProblem(undefined, secretOf) ?? '', /no credentials/);
    assert.match(agentAuthProblem('Bearer x', secretOf) ?? '', /malformed/);
    assert.match(
      agentAuthProblem(agentAuthorization({ ...key, accessKeyId: 'AKIDOTHER' }), secretOf) ?? '',
      /unknown access key AKIDOTHER/,
    );
    assert.match(
      agentAuthProblem(agentAuthorization({ ...key, secretAccessKey: 'wrong' }), secretOf) ?? '',
      /does not match/,
    );
    assert.match(agentAuthProblem(good, secretOf, now.getTime() + 16 * 60_000) ?? '', /15 minutes/);
    assert.equal(agentAuthProblem(good, secretOf, now.getTime() + 60_000), undefined);
  });
});
