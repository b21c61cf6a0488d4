/**
 * bench/metrics: CloudWatch metrics at volume. Ingest: SERIES (1,000) metrics × MINUTES (1,440:
 * one day) of 1-minute data through PutMetricData (JSON 1.0, 1,000 datapoints per call, CONCURRENCY
 * clients), beside SQLite's own insert rate for the same rows (better-sqlite3, a prepared INSERT,
 * 1,000 rows per transaction) in one run. Then GetMetricData latency over one series' whole day at
 * 60-second periods (QUERIES random series). Targets: ≥ 100,000 datapoints/s ingest; p99 query
 * under 50 ms. Run: npm run bench:metrics   (SERIES=…, MINUTES=… for other sizes)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { startBerth } from '../../test/e2e/harness.js';

const SERIES = Number(process.env.SERIES ?? 1000);
const MINUTES = Number(process.env.MINUTES ?? 1440);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const QUERIES = Number(process.env.QUERIES ?? 200);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] as number;

// A light client: the SDK's own CPU would share the two cores with berth. The request has SigV4's
// shape, which berth's open mode requires but does not verify.
const headers = (op: string) => ({
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': `GraniteServiceVersion20100801.${op}`,
  'x-amz-date': '20260101T000000Z',
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
});

const start = Math.floor(Date.now() / 60_000) * 60_000 - MINUTES * 60_000;
const seriesName = (s: number) => ({ MetricName: 'Latency', Dimensions: [{ Name: 'Host', Value: `h-${s}` }] });

/** The day's data as PutMetricData bodies: every series at one minute, 1,000 datums each. */
function* bodies(): Generator<string> {
  for (let m = 0; m < MINUTES; m++) {
    for (let from = 0; from < SERIES; from += 1000) {
      const data = [];
      for (let s = from; s < Math.min(SERIES, from + 1000); s++)
        data.push({
          ...seriesName(s),
          Timestamp: (start + m * 60_000) / 1000,
          Value: (s * 7 + m) % 100,
          Unit: 'Milliseconds',
        });
      yield JSON.stringify({ Namespace: 'Bench', MetricData: data });
    }
  }
}

function sqliteRaw(): number {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-sqlite-'));
  try {
    const db = new Database(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE p (series TEXT, at INTEGER, value REAL, PRIMARY KEY (series, at)) WITHOUT ROWID');
    const insert = db.prepare('INSERT INTO p (series, at, value) VALUES (?, ?, ?)');
    const t0 = performance.now();
    let rows = 0;
    for (let m = 0; m < MINUTES; m++) {
      db.transaction(() => {
        for (let s = 0; s < SERIES; s++) insert.run(`h-${s}`, start + m * 60_000, (s * 7 + m) % 100);
      })();
      rows += SERIES;
    }
    const secs = (performance.now() - t0) / 1000;
    db.close();
    return rows / secs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const berth = await startBerth({ args: ['--no-agent', '--log-level', 'warn'] });
try {
  // The bodies are made before the clock starts: on two cores, the client's own JSON work would
  // otherwise be measured as berth's.
  const it = [...bodies()].map((b) => Buffer.from(b))[Symbol.iterator]();
  let points = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = it.next(); !next.done; next = it.next()) {
        const res = await fetch(berth.endpoint, {
          method: 'POST',
          headers: headers('PutMetricData'),
          body: next.value,
        });
        if (!res.ok) throw new Error(`PutMetricData: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        points += Math.min(1000, SERIES);
      }
    }),
  );
  const ingest = points / ((performance.now() - t0) / 1000);
  const raw = sqliteRaw();
  console.log(
    `ingest: ${points} datapoints (${SERIES} series × ${MINUTES} minutes) at ${ingest.toFixed(0)} datapoints/s; ` +
      `SQLite's raw insert of the same rows ${raw.toFixed(0)} rows/s; ratio ${(ingest / raw).toFixed(2)}`,
  );
  const latencies: number[] = [];
  for (let q = 0; q < QUERIES; q++) {
    const body = JSON.stringify({
      StartTime: start / 1000,
      EndTime: (start + MINUTES * 60_000) / 1000,
      MetricDataQueries: [
        {
          Id: 'q',
          MetricStat: {
            Metric: { Namespace: 'Bench', ...seriesName((q * 7919) % SERIES) },
            Period: 60,
            Stat: 'Average',
          },
        },
      ],
    });
    const t = performance.now();
    const res = await fetch(berth.endpoint, { method: 'POST', headers: headers('GetMetricData'), body });
    const out = (await res.json()) as { MetricDataResults?: { Values: number[] }[] };
    latencies.push(performance.now() - t);
    if (out.MetricDataResults?.[0]?.Values.length !== MINUTES)
      throw new Error(`GetMetricData gave ${out.MetricDataResults?.[0]?.Values.length} values`);
  }
  console.log(
    `GetMetricData, one series × ${MINUTES} minutes at 60 s: p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms`,
  );
  console.log('targets: ingest ≥ 100,000 datapoints/s; p99 query under 50 ms');
} finally {
  await berth.dispose();
}
