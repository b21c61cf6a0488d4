import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ImageUsers, resolveUser } from './users.js';

describe('users', () => {
  const rootfs = mkdtempSync(join(tmpdir(), 'berth-users-'));
  after(() => rmSync(rootfs, { recursive: true, force: true }));
  mkdirSync(join(rootfs, 'etc'));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1234:4321::/app:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nstaff:x:50:\n');

  it("resolves names, uids and groups against the image's files", () => {
    assert.deepEqual(resolveUser(rootfs, 'app'), { uid: 1234, gid: 4321 });
    assert.deepEqual(resolveUser(rootfs, '1234'), { uid: 1234, gid: 4321 });
    assert.deepEqual(resolveUser(rootfs, '77'), { uid: 77, gid: 0 });
    assert.deepEqual(resolveUser(rootfs, 'app:staff'), { uid: 1234, gid: 50 });
    assert.throws(() => resolveUser(rootfs, 'ghost'), /unable to find user ghost/);
    assert.throws(() => resolveUser(rootfs, 'app:ghosts'), /unable to find group ghosts/);
  });

  it('knows root without a rootfs, and an image user only once resolved for that image', () => {
    const users = new ImageUsers();
    assert.deepEqual(users.lookup('sha256:a', undefined), { uid: 0, gid: 0 });
    assert.deepEqual(users.lookup('sha256:a', ''), { uid: 0, gid: 0 });
    assert.equal(users.lookup('sha256:a', 'app'), undefined);
    assert.deepEqual(users.resolve(rootfs, 'sha256:a', 'app'), { uid: 1234, gid: 4321 });
    assert.deepEqual(users.lookup('sha256:a', 'app'), { uid: 1234, gid: 4321 });
    assert.equal(users.lookup('sha256:b', 'app'), undefined, 'another image has its own passwd');
    assert.equal(users.lookup('sha256:a', 'app:staff'), undefined);
    assert.throws(() => users.resolve(rootfs, 'sha256:a', 'ghost'));
    assert.equal(users.lookup('sha256:a', 'ghost'), undefined, 'a failure is not remembered');
  });
});
