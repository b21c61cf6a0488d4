import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXEC_CHUNK, type ServerMessage } from '../wire/index.js';
import { ExecChannels } from './exec-channels.js';

describe('exec channels of an agent session', () => {
  it('opens a session on the agent, sends input in pieces, and hands output and the end to the client', () => {
    const sent: ServerMessage[] = [];
    const channels = new ExecChannels((m) => sent.push(m));
    const got: string[] = [];
    const h = channels.start(
      { taskId: 't', container: 'main', command: ['sh'], tty: false, stdin: true },
      { output: (s, d) => got.push(`${s}:${d.toString()}`), exit: (o) => got.push(JSON.stringify(o)) },
    );
    const start = sent[0] as Extract<ServerMessage, { type: 'exec-start' }>;
    assert.equal(start.type, 'exec-start');
    assert.match(start.sessionId, /^[0-9a-f-]{36}$/);
    h.write(Buffer.alloc(EXEC_CHUNK * 2 + 1, 'a'));
    h.resize({ width: 1, height: 2 });
    h.eof();
    assert.deepEqual(
      sent.slice(1).map((m) => {
        const i = m as Extract<ServerMessage, { type: 'exec-input' }>;
        return i.data ? Buffer.from(i.data, 'base64').length : i.resize ? 'resize' : i.eof ? 'eof' : '?';
      }),
      [EXEC_CHUNK, EXEC_CHUNK, 1, 'resize', 'eof'],
    );
    const id = start.sessionId;
    channels.onOutput({
      type: 'exec-output',
      sessionId: id,
      stream: 'stderr',
      data: Buffer.from('oops').toString('base64'),
    });
    channels.onExit({ type: 'exec-exit', sessionId: id, code: 2 });
    channels.onOutput({ type: 'exec-output', sessionId: id, stream: 'stdout', data: 'eA==' });
    assert.deepEqual(got, ['stderr:oops', '{"code":2}']);
    const before = sent.length;
    h.hangUp();
    h.write(Buffer.from('late'));
    assert.equal(sent.length, before, 'nothing is sent for a session that ended');
  });

  it("tells every open session's client that the agent went away, and hangs up once", () => {
    const sent: ServerMessage[] = [];
    const channels = new ExecChannels((m) => sent.push(m));
    const ends: string[] = [];
    const req = { taskId: 't', container: 'c', command: ['x'], tty: true, stdin: false };
    const a = channels.start(req, { output: () => undefined, exit: (o) => ends.push(JSON.stringify(o)) });
    channels.start(req, { output: () => undefined, exit: (o) => ends.push(JSON.stringify(o)) });
    a.hangUp();
    a.hangUp();
    assert.equal(sent.filter((m) => m.type === 'exec-input' && m.hangUp).length, 1);
    channels.closeAll('The agent disconnected.');
    assert.deepEqual(ends, ['{"error":"The agent disconnected."}']);
  });
});
