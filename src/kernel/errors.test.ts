import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asBerthError, BerthError, notFound, notImplemented } from './errors.js';

describe('error taxonomy', () => {
  it('keeps kind, message and detail', () => {
    const e = notFound('Cluster not found.', { resource: 'cluster' });
    assert.equal(e.kind, 'NotFound');
    assert.equal(e.message, 'Cluster not found.');
    assert.equal(e.detail.resource, 'cluster');
    assert.equal(asBerthError(e), e);
  });

  it('turns unknown failures into Internal without their message', () => {
    const e = asBerthError(new Error('ENOENT /var/lib/berth/secret'));
    assert.ok(e instanceof BerthError);
    assert.equal(e.kind, 'Internal');
    assert.doesNotMatch(e.message, /secret/);
  });

  it('says what is not implemented', () => {
    assert.equal(notImplemented('ECS CreateService').message, 'ECS CreateService is not implemented in berth yet');
  });
});
