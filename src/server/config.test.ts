import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaults, loadKeys, loadSealingKey, loadServerId, validateConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('config', () => {
  it('accepts the defaults', () => {
    assert.deepEqual(validateConfig(defaults), []);
  });

  it('names every bad option', () => {
    const problems = validateConfig({
      ...defaults,
      port: 70000,
      accountId: '12',
      region: 'mars',
      auth: 'maybe' as 'open',
    });
    assert.equal(problems.length, 4);
    assert.match(problems.join('\n'), /--port/);
    assert.match(problems.join('\n'), /--account-id/);
    assert.match(problems.join('\n'), /--region 'mars'/);
    assert.match(problems.join('\n'), /--auth/);
  });

  it('reads every profile of an AWS credentials file', () => {
    writeFileSync(
      join(dir, 'credentials'),
      '[default]\naws_access_key_id = AK1\naws_secret_access_key = s1\n\n[ci]\naws_access_key_id=AK2\naws_secret_access_key=s/2+x\n[broken]\naws_access_key_id = AK3\n',
    );
    assert.deepEqual(
      [...loadKeys(dir)],
      [
        ['AK1', 's1'],
        ['AK2', 's/2+x'],
      ],
    );
    assert.equal(loadKeys(join(dir, 'nothing-here')).size, 0);
  });

  it('makes the sealing key and the server id once, whole, and keeps them', () => {
    const shared = join(dir, 'shared');
    const key = loadSealingKey(shared);
    assert.equal(key.length, 32);
    assert.deepEqual(loadSealingKey(shared), key, 'read back, not made again');
    assert.deepEqual(readdirSync(join(shared, 'keys')), ['secrets.key'], 'no draft left beside it');
    const own = join(dir, 'server');
    const id = loadServerId(own);
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.equal(loadServerId(own), id);
    writeFileSync(join(own, 'server-id'), '../x');
    assert.throws(() => loadServerId(own), /server-id must hold/);
  });
});
