import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { HostileLayerError } from './tar-guard.js';
import { makeTar } from './test-tar.js';
import { unpackLayer } from './unpack-layer.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-unpack-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const diffId = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const unpack = (tar: Buffer, gz = true) => {
  const target = join(dir, `snap-${n++}`);
  return {
    target,
    done: unpackLayer(
      [gz ? gzipSync(tar) : tar],
      gz ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar',
      target,
      diffId(tar),
    ),
  };
};

describe('layer unpacking', () => {
  it('unpacks files, dirs, links and modes, and keeps setuid bits', async () => {
    const tar = makeTar([
      { name: 'bin', type: 'dir' },
      { name: 'bin/tool', data: '#!/bin/sh\n', mode: 0o4755 },
      { name: 'bin/alias', type: 'symlink', link: 'tool' },
      { name: 'bin/abs', type: 'symlink', link: '/bin/tool' },
      { name: 'bin/hard', type: 'hardlink', link: 'bin/tool' },
      { name: `deep/${'x'.repeat(150)}/file`, data: 'long names come through pax' },
    ]);
    const { target, done } = unpack(tar);
    await done;
    assert.equal(readFileSync(join(target, 'bin/tool'), 'utf8'), '#!/bin/sh\n');
    assert.equal(lstatSync(join(target, 'bin/tool')).mode & 0o7777, 0o4755);
    assert.equal(readlinkSync(join(target, 'bin/alias')), 'tool');
    assert.equal(readlinkSync(join(target, 'bin/abs')), '/bin/tool', 'absolute symlinks resolve inside the container');
    assert.equal(readFileSync(join(target, `deep/${'x'.repeat(150)}/file`), 'utf8'), 'long names come through pax');
  });

  it('turns OCI whiteouts into overlayfs whiteouts', async () => {
    const { target, done } = unpack(
      makeTar([
        { name: 'etc', type: 'dir' },
        { name: 'etc/.wh.motd' },
        { name: 'var/.wh..wh..opq' },
        { name: 'var/keep', data: 'k' },
      ]),
    );
    await done;
    const wh = lstatSync(join(target, 'etc/motd'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.equal(existsSync(join(target, 'etc/.wh.motd')), false);
    const opaque = execFileSync('python3', [
      '-c',
      `import os;print(os.getxattr(${JSON.stringify(join(target, 'var'))}, 'trusted.overlay.opaque'))`,
    ]).toString();
    assert.match(opaque, /b'y'/);
  });

  const hostile: [string, Parameters<typeof makeTar>[0], RegExp][] = [
    ['../ paths', [{ name: '../escape', data: 'x' }], /climbs out/],
    ['absolute paths', [{ name: '/etc/owned', data: 'x' }], /absolute path/],
    [
      'writes through a symlink',
      [
        { name: 'up', type: 'symlink', link: '/etc' },
        { name: 'up/passwd', data: 'root::0:0::/:/bin/sh' },
      ],
      /through the symlink 'up'/,
    ],
    ['symlinks that climb out', [{ name: 'link', type: 'symlink', link: '../../../../etc/shadow' }], /points outside/],
    ['hard links out', [{ name: 'h', type: 'hardlink', link: '../../etc/passwd' }], /climbs out/],
    ['device nodes', [{ name: 'mem', type: 'chardev' }], /device node/],
  ];
  for (const [what, entries, why] of hostile) {
    it(`refuses ${what} and leaves nothing behind`, async () => {
      const { target, done } = unpack(makeTar(entries));
      await assert.rejects(done, (e: unknown) => e instanceof HostileLayerError && why.test(e.message));
      assert.equal(existsSync(target), false);
      assert.equal(existsSync(join(dir, 'escape')), false);
    });
  }

  it('refuses a layer whose content does not match its diffID', async () => {
    const tar = makeTar([{ name: 'a', data: '1' }]);
    const target = join(dir, 'mismatch');
    await assert.rejects(
      unpackLayer([tar], 'application/vnd.oci.image.layer.v1.tar', target, diffId(Buffer.from('other'))),
      /config says/,
    );
    assert.equal(existsSync(target), false);
  });

  it('unpacks zstd layers', async () => {
    const tar = makeTar([{ name: 'z', data: 'zstd works' }]);
    const target = join(dir, 'zstd');
    await unpackLayer(
      [execFileSync('zstd', ['-c', '-q'], { input: tar })],
      'application/vnd.oci.image.layer.v1.tar+zstd',
      target,
      diffId(tar),
    );
    assert.equal(readFileSync(join(target, 'z'), 'utf8'), 'zstd works');
  });
});
