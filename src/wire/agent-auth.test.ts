import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgentVerifier, agentAuthorization } from './agent-auth.js';

const key = { accessKeyId: 'AKIDAGENT', secretAccessKey: 'sekrit' };
const secrets = new Map([[key.accessKeyId, key.secretAccessKey]]);
const verifier = () => new AgentVerifier((id: string) => secrets.get(id));
const problem = (o: ReturnType<AgentVerifier['check']>) => (o.ok ? undefined : o.problem);

describe('agent authentication', () => {
  it('accepts a signature made with a known key and names the host it speaks for', () => {
    assert.deepEqual(verifier().check(agentAuthorization(key, 'node-1')), { ok: true, agent: 'node-1' });
  });

  it('refuses what does not prove a known key, saying why', () => {
    const v = verifier();
    const now = new Date('2026-01-01T00:00:00Z');
    assert.match(problem(v.check(undefined)) ?? '', /no credentials/);
    assert.match(problem(v.check('Bearer x')) ?? '', /malformed/);
    assert.match(
      problem(v.check(agentAuthorization({ ...key, accessKeyId: 'AKIDOTHER' }, 'n'))) ?? '',
      /unknown access key AKIDOTHER/,
    );
    assert.match(
      problem(v.check(agentAuthorization({ ...key, secretAccessKey: 'wrong' }, 'n'))) ?? '',
      /does not match/,
    );
    assert.match(problem(v.check(agentAuthorization(key, 'n', now), now.getTime() + 16 * 60_000)) ?? '', /15 minutes/);
    assert.equal(problem(v.check(agentAuthorization(key, 'n', now), now.getTime() + 60_000)), undefined);
  });

  it('a header works once: a replay within the 15 minutes is refused', () => {
    const v = verifier();
    const h = agentAuthorization(key, 'node-1');
    assert.equal(v.check(h).ok, true);
    assert.match(problem(v.check(h)) ?? '', /already used/);
    assert.equal(v.check(agentAuthorization(key, 'node-1')).ok, true, 'a fresh nonce is fine');
  });

  it('the host name is signed: a header cannot be made to speak for another host', () => {
    const h = agentAuthorization(key, 'node-1');
    const forged = h.replace('Agent=node-1', 'Agent=node-2');
    assert.match(problem(verifier().check(forged)) ?? '', /does not match/);
  });
});
