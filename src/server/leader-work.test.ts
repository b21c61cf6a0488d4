import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordingLogger } from '../kernel/index.js';
import { soleLeadership, type Leadership } from '../store/index.js';
import { LeaderWork } from './leader-work.js';

const logger = recordingLogger();
const errors = logger.errors;

/** A leadership the test hands over and takes back. */
function switchable(): Leadership & { set(leading: boolean): void } {
  const listeners = new Set<(leading: boolean) => void>();
  let leading = false;
  return {
    get leading() {
      return leading;
    },
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: async () => undefined,
    set(value) {
      leading = value;
      for (const l of listeners) l(value);
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('work only the leader does', () => {
  it('runs while this server leads, stops when it stops leading, and runs again when it leads again', async () => {
    const leadership = switchable();
    const log: string[] = [];
    const work = new LeaderWork(leadership, logger);
    for (const name of ['controller', 'maintenance'])
      work.add(name, () => {
        log.push(`start ${name}`);
        return async () => {
          await settle();
          log.push(`stop ${name}`);
        };
      });
    work.begin();
    await settle();
    assert.deepEqual(log, [], 'nothing runs before this server leads');
    leadership.set(true);
    leadership.set(true); // told twice: started once
    await settle();
    assert.deepEqual(log, ['start controller', 'start maintenance']);
    leadership.set(false);
    leadership.set(true);
    await work.stop();
    assert.deepEqual(log, [
      'start controller',
      'start maintenance',
      'stop maintenance',
      'stop controller',
      'start controller',
      'start maintenance',
      'stop maintenance',
      'stop controller',
    ]);
    leadership.set(true);
    await settle();
    assert.equal(log.length, 8, 'after stop, leadership no longer starts anything');
  });

  it('starts at once on the sole server, and a part that fails to start leaves the others running', async () => {
    const started: string[] = [];
    const work = new LeaderWork(soleLeadership(), logger);
    work.add('broken', () => {
      throw new Error('no');
    });
    work.add('fine', () => {
      started.push('fine');
      return () => undefined;
    });
    work.begin();
    await settle();
    assert.deepEqual(started, ['fine']);
    // A region opened later adds its part while the others run: it starts at once.
    work.add('later', () => {
      started.push('later');
      return () => undefined;
    });
    await settle();
    assert.deepEqual(started, ['fine', 'later']);
    assert.match(errors.at(-1) ?? '', /leader work did not start.*broken/);
    await work.stop();
  });
});
