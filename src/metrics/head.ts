import { hexId } from '../kernel/index.js';
import type { Store, WriteTx } from '../store/index.js';
import { chunkKey, chunks, ingestLog, legacyPoints, timeKey, windowOf, type Point } from './tables.js';
import { pack, unpack } from './packed.js';

/**
 * The head: the points put lately, held in memory by series until they are flushed into chunks
 * (one per series and hour-long window). Each PutMetricData call is one row of the ingest log,
 * so a call costs one write however many series it touches — a row per datum made ingest as slow
 * as SQLite's random-key inserts. Opening a store replays the log into its head; a flush writes
 * the chunks and deletes the log rows in one transaction.
 */
export interface Head {
  bySeries: Map<string, Point[]>;
  count: number;
  /** The log rows the head holds, deleted by key when it flushes (reading them back would parse them). */
  logKeys: string[];
}

/** One head per store (a region's store is one object, made once). */
const heads = new WeakMap<Store, Head>();
/** The head flushes when it holds this many points (or when the retention pass asks). */
export const FLUSH_POINTS = 50_000;
let seq = 0;
// This process's own part of a log row's key: a restart counts from 0 again, perhaps at a time
// already used (a clock set back).
const run = hexId().slice(0, 8);

function add(head: Head, series: string, point: Point): void {
  const list = head.bySeries.get(series);
  if (list) list.push(point);
  else head.bySeries.set(series, [point]);
  head.count++;
}

/** The series a legacy point row belongs to: its key without the time and id parts. */
const seriesOfLegacy = (key: string) => key.slice(0, key.lastIndexOf('/', key.lastIndexOf('/') - 1));

function open(store: Store): Head {
  // Data dirs from before chunks hold a row per point: into chunks, once.
  store.write((tx) => {
    const old = tx.list(legacyPoints);
    if (old.length === 0) return;
    const byChunk = new Map<string, { series: string; points: Point[] }>();
    for (const { key, value } of old) {
      const { key: _, ...point } = value;
      const series = seriesOfLegacy(key);
      const k = `${series}\n${windowOf(point.at)}`;
      const c = byChunk.get(k);
      if (c) c.points.push(point);
      else byChunk.set(k, { series, points: [point] });
      tx.delete(legacyPoints, key);
    }
    for (const { series, points } of byChunk.values()) writeChunk(tx, series, points);
  });
  const head: Head = { bySeries: new Map(), count: 0, logKeys: [] };
  for (const { key, value } of store.read((tx) => tx.list(ingestLog))) {
    head.logKeys.push(key);
    unpack(value.points).forEach((p, i) => add(head, value.series[value.index[i] as number] as string, p));
  }
  return head;
}

/** A store's head, opened (the log replayed) on first use: outside any transaction. */
export function headOf(store: Store): Head {
  let head = heads.get(store);
  if (!head) heads.set(store, (head = open(store)));
  return head;
}

/** Writes points of one series and window as a chunk, in time order. */
export function writeChunk(tx: WriteTx, series: string, points: Point[]): void {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const from = windowOf((sorted[0] as Point).at);
  tx.put(chunks, { key: chunkKey(series, from, hexId().slice(0, 12)), from, points: pack(sorted) });
}

/**
 * Appends a call's points to a head opened before the transaction (headOf): logged in the
 * caller's transaction (`tx`), then, once it commits, held in the head. Returns what to run after
 * the commit.
 */
export function appendPoints(
  store: Store,
  head: Head,
  tx: WriteTx,
  entries: readonly { series: string; point: Point }[],
  now: number,
): () => void {
  const key = `${timeKey(now)}/${run}/${String(seq++).padStart(10, '0')}`;
  const series: string[] = [];
  const seen = new Map<string, number>();
  const index = entries.map((e) => {
    let i = seen.get(e.series);
    if (i === undefined) seen.set(e.series, (i = series.push(e.series) - 1));
    return i;
  });
  tx.put(ingestLog, { key, series, index, points: pack(entries.map((e) => e.point)) });
  return () => {
    head.logKeys.push(key);
    for (const e of entries) add(head, e.series, e.point);
    if (head.count >= FLUSH_POINTS) flushHead(store);
  };
}

/** The head's points of one series (unordered; the caller filters by time). */
export function headPoints(store: Store, series: string): readonly Point[] {
  return headOf(store).bySeries.get(series) ?? [];
}

/** Moves the head into chunks: a chunk per series and window, the log emptied, in one write. */
export function flushHead(store: Store): void {
  const head = headOf(store);
  if (head.count === 0) return;
  store.write((tx) => {
    for (const [series, points] of head.bySeries) {
      const byWindow = new Map<number, Point[]>();
      for (const p of points) {
        const w = windowOf(p.at);
        const list = byWindow.get(w);
        if (list) list.push(p);
        else byWindow.set(w, [p]);
      }
      for (const list of byWindow.values()) writeChunk(tx, series, list);
    }
    for (const key of head.logKeys) tx.delete(ingestLog, key);
  });
  head.bySeries = new Map();
  head.count = 0;
  head.logKeys = [];
}
