import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runtimeSecurity, securityCauses } from './pod-security.js';

const messages = (path: string, ctx: Record<string, unknown>, container = true) =>
  securityCauses(path, ctx, container).map((c) => `${c.field}: ${c.message}`);

describe('pod security contexts', () => {
  it('are checked as the API server checks them', () => {
    assert.deepEqual(
      messages('c', { seccompProfile: { type: 'RuntimeDefault' }, allowPrivilegeEscalation: false }),
      [],
    );
    assert.deepEqual(messages('c', { seccompProfile: { type: 'Strict' } }), [
      'c.seccompProfile.type: Unsupported value: "Strict": supported values: "Localhost", "RuntimeDefault", "Unconfined"',
    ]);
    assert.deepEqual(messages('c', { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }), [
      'c.seccompProfile.type: Forbidden: Localhost seccomp profiles is not implemented in berth yet',
    ]);
    assert.deepEqual(messages('c', { seccompProfile: { type: 'Unconfined', localhostProfile: 'p.json' } }), [
      'c.seccompProfile.localhostProfile: Invalid value: can only be set when seccomp type is Localhost',
    ]);
    assert.deepEqual(messages('c', { allowPrivilegeEscalation: false, privileged: true }), [
      'c: Invalid value: "object": cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
    ]);
    assert.deepEqual(messages('c', { allowPrivilegeEscalation: false, capabilities: { add: ['SYS_ADMIN'] } }), [
      'c: Invalid value: "object": cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
    ]);
  });

  it('give the runtime the container’s settings over the pod’s', () => {
    assert.deepEqual(runtimeSecurity(undefined, undefined), {});
    assert.deepEqual(runtimeSecurity({ fsGroup: 2000, supplementalGroups: [3000, 2000, -1] }, {}), {
      additionalGids: [2000, 3000],
    });
    assert.deepEqual(
      runtimeSecurity(
        { seccompProfile: { type: 'RuntimeDefault' }, runAsNonRoot: true },
        { allowPrivilegeEscalation: false },
      ),
      { noNewPrivileges: true, seccomp: 'runtime-default', runAsNonRoot: true },
    );
    assert.deepEqual(
      runtimeSecurity(
        { seccompProfile: { type: 'RuntimeDefault' }, runAsNonRoot: true },
        {
          seccompProfile: { type: 'Unconfined' },
          runAsNonRoot: false,
        },
      ),
      {},
    );
  });
});
