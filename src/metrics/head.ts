import { hexId } from '../kernel/index.js';
import type { SharedStore, Store, StoreView, WriteTx } from '../store/index.js';
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
  /** Points being flushed: read beside the head's until their chunks are committed. */
  flushing?: Map<string, Point[]>;
}

/** One head per store (a region's store is one object, made once). */
const heads = new WeakMap<StoreView, Head>();
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

/**
 * Data dirs from before chunks hold a row per point: into chunks, once, when the data dir's store
 * opens (a shared store never had such rows).
 */
export function convertLegacyPoints(store: Store): void {
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
}

function open(store: StoreView): Head {
  const head: Head = { bySeries: new Map(), count: 0, logKeys: [] };
  for (const { key, value } of store.read((tx) => tx.list(ingestLog))) {
    head.logKeys.push(key);
    unpack(value.points).forEach((p, i) => add(head, value.series[value.index[i] as number] as string, p));
  }
  return head;
}

/** A store's head, opened (the log replayed) on first use: outside any transaction. */
export function headOf(store: StoreView): Head {
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
  store: SharedStore,
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
    if (head.count >= FLUSH_POINTS)
      flushHead(store).catch(() => {
        // Kept in the head and the log: the next flush (retention pass or size) tries again.
      });
  };
}

/** The head's points of one series (unordered; the caller filters by time). */
export function headPoints(store: StoreView, series: string): readonly Point[] {
  const head = headOf(store);
  const now = head.bySeries.get(series) ?? [];
  const flushing = head.flushing?.get(series);
  return flushing ? [...flushing, ...now] : now;
}

/** Moves the head into chunks: a chunk per series and window, the log emptied, in one write. */
export async function flushHead(store: SharedStore): Promise<void> {
  const head = headOf(store);
  if (head.count === 0 || head.flushing) return;
  // What the head holds now; points appended while the flush commits stay for the next one. Until
  // the chunks are in the store, readers see the flushed points in the head still.
  const flushed = head.bySeries;
  const { logKeys } = head;
  head.flushing = flushed;
  head.bySeries = new Map();
  head.count = 0;
  head.logKeys = [];
  try {
    await store.transact((tx) => {
      for (const [series, points] of flushed) {
        const byWindow = new Map<number, Point[]>();
        for (const p of points) {
          const w = windowOf(p.at);
          const list = byWindow.get(w);
          if (list) list.push(p);
          else byWindow.set(w, [p]);
        }
        for (const list of byWindow.values()) writeChunk(tx, series, list);
      }
      for (const key of logKeys) tx.delete(ingestLog, key);
    });
  } catch (e) {
    // Not flushed: the points go back to the head, for the next flush.
    for (const [series, points] of flushed) for (const p of points) add(head, series, p);
    head.logKeys.push(...logKeys);
    throw e;
  } finally {
    delete head.flushing;
  }
}
