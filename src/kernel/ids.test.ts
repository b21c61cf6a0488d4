import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hexId, timeOrderedHexId } from './ids.js';

describe('ids', () => {
  it('are 32 hex characters, never the same twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      for (const id of [hexId(), timeOrderedHexId()]) {
        assert.match(id, /^[0-9a-f]{32}$/);
        assert.ok(!seen.has(id), id);
        seen.add(id);
      }
    }
  });

  it('made later sort later when ordered by time', () => {
    const t = Date.UTC(2026, 11, 2);
    const earlier = Array.from({ length: 50 }, () => timeOrderedHexId(t));
    const later = Array.from({ length: 50 }, () => timeOrderedHexId(t + 1));
    for (const a of earlier) for (const b of later) assert.ok(a < b, `${a} < ${b}`);
    assert.equal(earlier[0]?.slice(0, 12), t.toString(16).padStart(12, '0'));
  });
});
