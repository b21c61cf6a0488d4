import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podEvents } from './kubelet-events.js';

const pod = (containerStatuses: unknown[]) => ({ metadata: { name: 'p' }, status: { containerStatuses } });
const reasons = (before: unknown[], after: unknown[]) =>
  podEvents(pod(before), { containerStatuses: after }).map(
    ([, type, reason, message]) => `${type} ${reason} ${message}`,
  );

describe('the kubelet’s events', () => {
  it('says a container started once per run, also when a report shows only its end', () => {
    const running = { name: 'main', state: { running: { startedAt: 't1' } } };
    const ended = { name: 'main', state: { terminated: { startedAt: 't1', reason: 'Completed', exitCode: 0 } } };
    const waiting = { name: 'main', state: { waiting: { reason: 'ContainerCreating' } } };
    assert.deepEqual(reasons([waiting], [running]), ['Normal Started Started container main']);
    assert.deepEqual(reasons([running], [running]), []);
    assert.deepEqual(reasons([running], [ended]), [], 'the run that ended had started already');
    assert.deepEqual(reasons([waiting], [ended]), ['Normal Started Started container main'], 'ran between two reports');
    assert.deepEqual(reasons([ended], [ended]), []);
    assert.deepEqual(reasons([ended], [{ name: 'main', state: { running: { startedAt: 't2' } } }]), [
      'Normal Started Started container main',
    ]);
    const never = { name: 'main', state: { terminated: { startedAt: 't1', reason: 'StartError', exitCode: 128 } } };
    assert.deepEqual(reasons([waiting], [never]), [], 'it never ran');
  });
});
