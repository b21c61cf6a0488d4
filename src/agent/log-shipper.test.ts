import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileLinear } from '../kernel/linear-regex.js';
import { LogShipper, readPiece, shipTargets } from './log-shipper.js';

const rec = (i: number, stream: string, flag: string, text: string) =>
  `2026-11-22T04:55:${String(i).padStart(2, '0')}.000000000+00:00 ${stream} ${flag} ${text}\n`;

test('pieces hold whole lines only, joining partial records', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-ship-'));
  try {
    const file = join(dir, 'container.log');
    const text =
      rec(1, 'stdout', 'F', 'one') +
      rec(2, 'stdout', 'P', 'tw') +
      rec(3, 'stdout', 'F', 'o') +
      rec(4, 'stdout', 'P', 'unfin');
    await writeFile(file, text);
    const p = await readPiece(file, 0, Buffer.byteLength(text));
    assert.deepEqual(
      p.events.map((e) => e.message),
      ['one', 'two'],
    );
    assert.equal(
      p.consumed,
      Buffer.byteLength(rec(1, 'stdout', 'F', 'one') + rec(2, 'stdout', 'P', 'tw') + rec(3, 'stdout', 'F', 'o')),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a multi-line pattern joins lines into events, and the last one waits unless the container ended', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-ship-'));
  try {
    const file = join(dir, 'container.log');
    const lines = ['2026-01-01 boom', '  at a()', '  at b()', '2026-01-02 next', '  more'];
    const text = lines.map((l, i) => rec(i, 'stderr', 'F', l)).join('');
    await writeFile(file, text);
    const re = compileLinear(String.raw`^\d{4}-\d{2}-\d{2}`);
    const open = await readPiece(file, 0, Buffer.byteLength(text), re, false);
    assert.deepEqual(
      open.events.map((e) => e.message),
      ['2026-01-01 boom\n  at a()\n  at b()'],
    );
    const rest = await readPiece(file, open.consumed, Buffer.byteLength(text) - open.consumed, re, true);
    assert.deepEqual(
      rest.events.map((e) => e.message),
      ['2026-01-02 next\n  more'],
    );
    assert.equal(open.consumed + rest.consumed, Buffer.byteLength(text));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a CloudWatch log target ships to its stream, a datetime format marking where an event starts', () => {
  const task = {
    spec: {
      id: 'abc',
      containers: [
        {
          name: 'app',
          log: {
            type: 'cloudwatch',
            group: 'g',
            stream: 'web/app/abc',
            createGroup: false,
            datetimeFormat: '%Y-%m-%d %H:%M:%S',
          },
        },
        { name: 'quiet', log: { type: 'file' } },
      ],
    },
  } as unknown as Parameters<typeof shipTargets>[1];
  const [t, ...rest] = shipTargets('/agent/tasks', task);
  assert.equal(rest.length, 0, 'only awslogs containers ship');
  assert.equal(t?.stream, 'web/app/abc');
  assert.equal(t?.createGroup, false);
  assert.ok(t?.multiline?.find('2026-01-02 10:11:12 started'));
  assert.ok(!t?.multiline?.find('  at frame (x.js:1)'));
});

test('a truncated log is shipped again from its start as a new source', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-ship-'));
  try {
    const file = join(dir, 'container.log');
    const sent: { source: string; events: { message: string }[] }[] = [];
    const logger = { warn: () => undefined } as unknown as ConstructorParameters<typeof LogShipper>[1];
    // The fake control plane acknowledges each batch at once.
    const shipper: LogShipper = new LogShipper((m) => {
      const b = m as { requestId: string; source: string; events: { message: string }[] };
      sent.push(b);
      queueMicrotask(() => shipper.onAck(b.requestId));
      return true;
    }, logger);
    const target = { group: 'g', stream: 's', createGroup: true, source: 'src', file, offsetFile: join(dir, 'off') };
    await writeFile(file, rec(1, 'stdout', 'F', 'first') + rec(2, 'stdout', 'F', 'second'));
    assert.equal(await shipper.drain(target), true);
    await writeFile(file, rec(3, 'stdout', 'F', 'after'));
    assert.equal(await shipper.drain(target), true);
    assert.deepEqual(
      sent.map((b) => [b.source, b.events.map((e) => e.message)]),
      [
        ['src', ['first', 'second']],
        ['src#1', ['after']],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
