import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { localShared } from '../store/shared-local.js';
import type { SharedStore } from '../store/port.js';
import { convertLegacyPoints, flushHead, FLUSH_POINTS } from './head.js';
import { metricStatistics, recordMetrics, type MetricsDeps } from './index.js';
import { chunks, ingestLog, legacyPoints, timeKey } from './tables.js';

const T0 = Date.UTC(2026, 11, 2, 12, 0);

describe('the metrics head', () => {
  it('logs each call as one row, answers from memory, survives a restart by its log, and flushes into chunks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-head-'));
    const path = join(dir, 'berth.db');
    const clock = new ManualClock(T0 + 5 * 60_000);
    // One shared view per store, as berth keeps one per region: the head is kept per store object.
    const views = new WeakMap<SqliteStore, SharedStore>();
    const deps = (store: SqliteStore): MetricsDeps => {
      let shared = views.get(store);
      if (!shared) views.set(store, (shared = localShared(store)));
      return { store: shared, clock, accountId: '0', region: 'us-east-1' };
    };
    const sum = (d: MetricsDeps) =>
      metricStatistics(
        d,
        {
          namespace: 'Shop',
          metricName: 'Orders',
          dimensions: [],
          start: new Date(T0),
          end: new Date(T0 + 5 * 60_000),
          period: 300,
        },
        ['Sum', 'SampleCount'],
      ).map((p) => [p.Sum, p.SampleCount]);
    try {
      let store = new SqliteStore(path);
      const put = (d: MetricsDeps, n: number) =>
        recordMetrics(
          d,
          'Shop',
          Array.from({ length: n }, (_, i) => ({
            MetricName: 'Orders',
            Value: 1,
            Timestamp: new Date(T0 + (i % 5) * 60_000),
          })),
        );
      await put(deps(store), 3);
      await put(deps(store), 2);
      assert.equal(
        store.read((tx) => tx.count(ingestLog)),
        2,
        'a row a call',
      );
      assert.equal(
        store.read((tx) => tx.count(chunks)),
        0,
      );
      assert.deepEqual(sum(deps(store)), [[5, 5]]);
      // A restart: the same file, a new store: the log is replayed.
      store.close();
      store = new SqliteStore(path);
      assert.deepEqual(sum(deps(store)), [[5, 5]]);
      await flushHead(deps(store).store);
      assert.equal(
        store.read((tx) => tx.count(ingestLog)),
        0,
      );
      assert.equal(
        store.read((tx) => tx.count(chunks)),
        1,
        'one series, one window',
      );
      assert.deepEqual(sum(deps(store)), [[5, 5]], 'the same from chunks');
      // Enough points flush by themselves.
      await put(deps(store), FLUSH_POINTS);
      assert.equal(
        store.read((tx) => tx.count(ingestLog)),
        0,
      );
      assert.deepEqual(sum(deps(store)), [[5 + FLUSH_POINTS, 5 + FLUSH_POINTS]]);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves a data dir’s point rows (from before chunks) into chunks when it opens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-head-'));
    try {
      const store = new SqliteStore(join(dir, 'berth.db'));
      const series = 'Shop/Orders/';
      store.write((tx) => {
        for (const [i, at] of [T0, T0 + 60_000, T0 + 3_600_000].entries())
          tx.put(legacyPoints, { key: `${series}/${timeKey(at)}/id${i}`, at, values: [i + 1] });
      });
      convertLegacyPoints(store);
      const d: MetricsDeps = {
        store: localShared(store),
        clock: new ManualClock(T0),
        accountId: '0',
        region: 'us-east-1',
      };
      const got = metricStatistics(
        d,
        {
          namespace: 'Shop',
          metricName: 'Orders',
          dimensions: [],
          start: new Date(T0),
          end: new Date(T0 + 2 * 3_600_000),
          period: 3600,
        },
        ['Sum'],
      ).map((p) => p.Sum);
      assert.deepEqual(got, [3, 3]);
      assert.equal(
        store.read((tx) => tx.count(legacyPoints)),
        0,
      );
      assert.equal(
        store.read((tx) => tx.count(chunks)),
        2,
        'a chunk per window',
      );
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
