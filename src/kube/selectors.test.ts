import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../kernel/index.js';
import { CONFIG_MAP, SECRET } from './kinds.js';
import { fieldSelector, labelSelector } from './selectors.js';

describe('selectors', () => {
  const web = { app: 'web', tier: 'front', replicas: '3' };
  const db = { app: 'db' };

  it('label selectors: equality, inequality, sets, existence and numbers', () => {
    const cases: [string, boolean, boolean][] = [
      ['app=web', true, false],
      ['app==web', true, false],
      ['app!=web', false, true],
      ['app in (web, api)', true, false],
      ['app notin (web)', false, true],
      ['tier', true, false],
      ['!tier', false, true],
      ['app=web,tier=front', true, false],
      ['replicas>2', true, false],
      ['replicas<2', false, false],
      ['', true, true],
    ];
    for (const [text, onWeb, onDb] of cases) {
      const s = labelSelector(text);
      assert.equal(s(web), onWeb, `${text} on web`);
      assert.equal(s(db), onDb, `${text} on db`);
    }
  });

  it('label selectors: a bad key or value is a malformed request naming it', () => {
    for (const text of ['app=we b', 'Bad Key=1', 'a in (x', 'replicas>many']) {
      assert.throws(
        () => labelSelector(text),
        (e: unknown) => e instanceof BerthError && e.detail.reason === 'malformed',
        text,
      );
    }
  });

  it('field selectors: name, namespace and the fields a kind lets one select on', () => {
    const o = { metadata: { name: 'a', namespace: 'n' }, type: 'Opaque' };
    assert.equal(fieldSelector(CONFIG_MAP, 'metadata.name=a')(o), true);
    assert.equal(fieldSelector(CONFIG_MAP, 'metadata.name!=a')(o), false);
    assert.equal(fieldSelector(CONFIG_MAP, 'metadata.namespace==n,metadata.name=a')(o), true);
    assert.equal(fieldSelector(SECRET, 'type=Opaque')(o), true);
    assert.throws(() => fieldSelector(CONFIG_MAP, 'type=Opaque'), /field label not supported: type/);
    assert.throws(() => fieldSelector(CONFIG_MAP, 'nonsense'), /can't understand/);
  });
});
