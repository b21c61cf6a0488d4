/**
 * bench/logs/shared: where log events are kept, measured side by side in one run. The embedded
 * default keeps them in the store's event table (SQLite); several servers over etcd keep them in
 * event files in the shared directory (one SQLite file per server, every read merging them). The
 * same CloudWatch Logs calls run over both: N events (1,000,000 by default) put in batches of
 * 1,000 (round-robin over three servers' files), GetLogEvents paging through the stream, and
 * FilterLogEvents over the group. The stream records stay in a SQLite store in both runs, so only
 * the events' path differs. Prints each and the ratio files / table.
 * Run: npm run bench:logs-shared   (N=… for another size)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/kernel/index.js';
import {
  EventFiles,
  createLogGroup,
  createLogStream,
  filterLogEvents,
  getLogEvents,
  putLogEvents,
  type LogsDeps,
} from '../../src/logs/index.js';
import { SqliteStore, localShared } from '../../src/store/index.js';

const N = Number(process.env.N ?? 1_000_000);
const BATCH = 1_000;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;

interface Result {
  put: number;
  pages: number[];
  filter: number[];
  filterTotal: number;
  count: number;
}

async function run(files: boolean): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-logs-'));
  const root = new SqliteStore(join(dir, 'berth.db'));
  const base: LogsDeps = {
    store: localShared(root),
    clock: systemClock,
    accountId: '000000000000',
    region: 'us-east-1',
  };
  const servers: LogsDeps[] = files
    ? ['a', 'b', 'c'].map((w) => ({ ...base, events: new EventFiles(join(dir, 'logs'), w) }))
    : [base];
  try {
    await createLogGroup(base, { logGroupName: '/bench' });
    await createLogStream(base, '/bench', 's');
    const t = Date.now() - 3_600_000;
    const p0 = performance.now();
    for (let i = 0; i < N; i += BATCH) {
      const events = Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => ({
        timestamp: t + Math.floor(((i + j) * 3_000_000) / N),
        message: `event number ${i + j}`,
      }));
      await putLogEvents(servers[(i / BATCH) % servers.length] as LogsDeps, '/bench', 's', events);
    }
    const put = (performance.now() - p0) / 1000;
    const reader = servers[servers.length - 1] as LogsDeps;
    const pages: number[] = [];
    let count = 0;
    let token: string | undefined;
    for (;;) {
      const g0 = performance.now();
      const r = getLogEvents(reader, {
        logGroupName: '/bench',
        logStreamName: 's',
        startFromHead: true,
        ...(token ? { nextToken: token } : {}),
      });
      pages.push(performance.now() - g0);
      count += r.events.length;
      if (r.nextForwardToken === token) break;
      token = r.nextForwardToken;
    }
    const filter: number[] = [];
    let ftoken: string | undefined;
    const f0 = performance.now();
    do {
      const c0 = performance.now();
      const r = filterLogEvents(reader, {
        logGroupName: '/bench',
        filterPattern: '"number 77777"',
        limit: 100,
        ...(ftoken ? { nextToken: ftoken } : {}),
      });
      filter.push(performance.now() - c0);
      ftoken = r.nextToken;
    } while (ftoken);
    return { put, pages, filter, filterTotal: performance.now() - f0, count };
  } finally {
    for (const s of servers) s.events?.close();
    root.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const table = await run(false);
const files = await run(true);
for (const [name, r] of [
  ['store table (one server)', table],
  ['event files (three servers)', files],
] as const) {
  console.log(
    `${name}: ${r.count} of ${N} events read back${r.count === N ? '' : ' (MISSING EVENTS)'}; PutLogEvents ${(N / r.put).toFixed(0)} events/s; GetLogEvents (10,000 a page) p50 ${pct(r.pages, 50).toFixed(1)} ms, p90 ${pct(r.pages, 90).toFixed(1)} ms; FilterLogEvents ${r.filter.length} calls, whole search ${(r.filterTotal / 1000).toFixed(2)} s`,
  );
}
const ratio = (a: number, b: number) => (a / b).toFixed(2);
console.log(
  `ratio files / table: put throughput ${ratio(table.put, files.put)} (above 1: files faster), GetLogEvents p50 ${ratio(pct(files.pages, 50), pct(table.pages, 50))} and FilterLogEvents search time ${ratio(files.filterTotal, table.filterTotal)} (below 1: files faster)`,
);
