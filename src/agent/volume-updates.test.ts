import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeVolumeFiles } from './runtime/volume-files.js';
import { withUpdatedFiles } from './volume-updates.js';

const b64 = (t: string) => Buffer.from(t).toString('base64');
const files = (color: string) => ({
  type: 'files' as const,
  files: [{ path: 'color', content: b64(color), mode: 0o644 }],
});

test('a running workload’s files volume follows its new files; anything else stays as it started', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-vol-follow-'));
  try {
    const dirs = { taskDir: root, sharedDir: join(root, 'shared') };
    writeVolumeFiles(join(root, 'volumes', 'cfg'), files('blue').files);
    const current = [
      { name: 'cfg', source: files('blue') },
      { name: 'scratch', source: { type: 'workload' as const } },
    ];
    const failed: string[] = [];
    const note = (v: string, e: string) => void failed.push(`${v}: ${e}`);
    const next = withUpdatedFiles(current, [{ name: 'cfg', source: files('red') }], dirs, note);
    assert.equal(readFileSync(join(root, 'volumes', 'cfg', 'color'), 'utf8'), 'red');
    assert.deepEqual(next[0], { name: 'cfg', source: files('red') });
    assert.equal(next[1], current[1], 'a volume the new spec leaves out stays');
    // What it names gone (the ConfigMap deleted: the volume no longer of files): the files stay.
    const held = withUpdatedFiles(next, [{ name: 'cfg', source: { type: 'workload' } }], dirs, note);
    assert.equal(held[0], next[0]);
    assert.equal(readFileSync(join(root, 'volumes', 'cfg', 'color'), 'utf8'), 'red');
    // A file the new spec names outside the volume: refused, said, the volume as it was.
    const bad = { type: 'files' as const, files: [{ path: '../x', content: '', mode: 0o644 }] };
    assert.equal(withUpdatedFiles(next, [{ name: 'cfg', source: bad }], dirs, note)[0], next[0]);
    assert.match(failed.join(), /cfg: Error: volume file '\.\.\/x': not a relative path inside the volume/);
    const two = { type: 'files' as const, files: [files('a').files[0], files('b').files[0]] as typeof bad.files };
    assert.equal(withUpdatedFiles(next, [{ name: 'cfg', source: two }], dirs, note)[0], next[0]);
    assert.equal(
      readdirSync(join(root, 'volumes', 'cfg')).filter((n) => n.startsWith('..2')).length,
      1,
      'no half-written version left beside the current one',
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
