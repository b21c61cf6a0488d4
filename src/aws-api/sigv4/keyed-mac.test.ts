import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { keyedMac } from './keyed-mac.js';

describe('keyedMac', () => {
  it('equals createHmac for keys and messages of every length around the block and the room', () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 100]) {
      const key = randomBytes(keyLength);
      const mac = keyedMac(key);
      for (const length of [0, 1, 55, 56, 64, 150, 511, 512, 513, 2000]) {
        const message = randomBytes(length).toString('latin1');
        assert.equal(
          mac(message).toString('hex'),
          createHmac('sha256', key).update(message).digest('hex'),
          `key ${keyLength} bytes, message ${length} characters`,
        );
      }
    }
  });

  it('keeps nothing of one message in the next: a short message after a long one', () => {
    const key = randomBytes(32);
    const mac = keyedMac(key);
    mac('x'.repeat(400));
    assert.equal(mac('ab').toString('hex'), createHmac('sha256', key).update('ab').digest('hex'));
    assert.equal(mac('é€').toString('hex'), createHmac('sha256', key).update('é€').digest('hex'));
  });
});
