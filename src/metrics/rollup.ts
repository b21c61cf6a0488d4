import { nowMs, type MetricsDeps } from './deps.js';
import { flushHead, writeChunk } from './head.js';
import { unpack } from './packed.js';
import { chunks, rollupMarks, series, timeKey, windowOf, type ChunkRecord, type Point } from './tables.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * CloudWatch's retention: data finer than a minute is kept for 3 hours, by the minute for 15
 * days, by five minutes for 63 days, by the hour for 455 days, then none. Each tier rolls up the
 * whole hour-long windows older than its age. A point that arrives late for a window a tier has
 * already passed (PutMetricData takes points two weeks old) waits for the next tier.
 */
export const TIERS = [
  { name: 'minute', after: 3 * HOUR, step: 60_000 },
  { name: 'five-minutes', after: 15 * DAY, step: 5 * 60_000 },
  { name: 'hour', after: 63 * DAY, step: HOUR },
] as const;
export const KEEP_MS = 455 * DAY;
/** A rolled-up point keeps up to this many distinct values (for percentiles); beyond, a statistic set. */
const MAX_VALUES = 1000;

/** Points of one step and unit merged into one: the same sums, counts, extremes and (bounded) values. */
function merge(points: readonly Point[], at: number): Point {
  const counts = new Map<number, number>();
  let stats: Point['stats'];
  const fold = (n: number, sum: number, min: number, max: number) => {
    stats = stats
      ? {
          sampleCount: stats.sampleCount + n,
          sum: stats.sum + sum,
          min: Math.min(stats.min, min),
          max: Math.max(stats.max, max),
        }
      : { sampleCount: n, sum, min, max };
  };
  for (const p of points) {
    if (p.stats) fold(p.stats.sampleCount, p.stats.sum, p.stats.min, p.stats.max);
    (p.values ?? []).forEach((v, i) => {
      const n = p.counts?.[i] ?? 1;
      if (n > 0) counts.set(v, (counts.get(v) ?? 0) + n);
    });
  }
  const out: Point = { at };
  const unit = points[0]?.unit;
  if (unit) out.unit = unit;
  if (counts.size > MAX_VALUES) {
    for (const [v, n] of counts) fold(n, v * n, v, v);
    counts.clear();
  }
  if (counts.size > 0) {
    out.values = [...counts.keys()];
    const ns = [...counts.values()];
    if (ns.some((n) => n !== 1)) out.counts = ns;
  }
  if (stats) out.stats = stats;
  return out;
}

/** A window's points by step (and unit: a query may ask for one unit), merged where several share one. */
export function rollUp(points: readonly Point[], step: number): Point[] {
  const groups = new Map<string, Point[]>();
  for (const p of points) {
    const k = `${Math.floor(p.at / step) * step}\n${p.unit ?? ''}`;
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  return [...groups.values()].map((g) => {
    const at = Math.floor((g[0] as Point).at / step) * step;
    return g.length === 1 && (g[0] as Point).at === at ? (g[0] as Point) : merge(g, at);
  });
}

/**
 * The retention pass: the head flushed, each tier's newly aged windows rolled up (every chunk of
 * a window rewritten as one), data past 455 days deleted with the metrics left without any.
 */
export async function rollUpMetrics(
  deps: MetricsDeps,
  now = nowMs(deps),
): Promise<{ rolled: number; expired: number }> {
  await flushHead(deps.store);
  const all = deps.store.read((tx) => tx.list(series)).map((e) => e.value);
  let rolled = 0;
  for (const tier of TIERS) {
    const mark = deps.store.read((tx) => tx.get(rollupMarks, tier.name))?.value.upTo ?? 0;
    const cutoff = windowOf(now - tier.after);
    if (cutoff <= mark) continue;
    for (const s of all)
      rolled += await deps.store.transact((tx) => {
        let n = 0;
        const rows = tx.list(chunks, {
          prefix: `${s.key}/`,
          after: `${s.key}/${timeKey(mark - 1)}/~`,
          before: `${s.key}/${timeKey(cutoff)}`,
        });
        const byWindow = new Map<number, ChunkRecord[]>();
        for (const { value } of rows) {
          const list = byWindow.get(value.from);
          if (list) list.push(value);
          else byWindow.set(value.from, [value]);
        }
        for (const list of byWindow.values()) {
          const points = list.flatMap((c) => unpack(c.points));
          const merged = rollUp(points, tier.step);
          if (list.length === 1 && merged.length === points.length) continue;
          for (const c of list) tx.delete(chunks, c.key);
          writeChunk(tx, s.key, merged);
          n++;
        }
        return n;
      });
    await deps.store.transact((tx) => tx.put(rollupMarks, { key: tier.name, upTo: cutoff }));
  }
  let expired = 0;
  const oldest = windowOf(now - KEEP_MS);
  // Like the tiers, expiry moves by whole windows: between them a pass has nothing to delete.
  const expiredTo = deps.store.read((tx) => tx.get(rollupMarks, 'expired'))?.value.upTo ?? -1;
  if (oldest <= expiredTo) return { rolled, expired };
  for (const s of all)
    // Counted from what the transaction returns: a shared store may run its function again.
    expired += await deps.store.transact((tx) => {
      let n = 0;
      for (const { key } of tx.list(chunks, { prefix: `${s.key}/`, before: `${s.key}/${timeKey(oldest)}` })) {
        tx.delete(chunks, key);
        n++;
      }
      if (s.lastPutAt < now - KEEP_MS && tx.count(chunks, `${s.key}/`) === 0) tx.delete(series, s.key);
      return n;
    });
  await deps.store.transact((tx) => tx.put(rollupMarks, { key: 'expired', upTo: oldest }));
  return { rolled, expired };
}
