import { InvalidArgumentError, type Command } from 'commander';
import type { TopReply, TopRow } from '../server/index.js';
import { callBerth, defaultEndpoint } from './endpoint.js';

type Reply = Partial<TopReply> & { error?: string; message?: string };

/** Bytes as `docker stats` writes them: 1.5kB, 12.3MB (powers of 1,000). */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '--';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 2 : 1)}${units[i]}`;
}

const pct = (v: number | undefined) => (v === undefined ? '--' : `${v.toFixed(2)}%`);
const COLUMNS: [string, number][] = [
  ['TASK', 32],
  ['CLUSTER', 12],
  ['SERVICE / FAMILY', 22],
  ['CPU %', 8],
  ['CPU UNITS', 13],
  ['MEM USAGE / RESERVED', 22],
  ['MEM %', 8],
  ['NET I/O', 17],
  ['BLOCK I/O', 17],
];
const line = (cells: string[]) =>
  cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((COLUMNS[i] as [string, number])[1]))).join(' ');

/** The table `berth top` prints: a task a line, as `docker stats` prints containers. */
export function topTable(rows: readonly TopRow[]): string {
  const out = [line(COLUMNS.map(([h]) => h))];
  for (const r of rows) {
    const used = r.cpuPercent === undefined ? undefined : (r.cpuPercent / 100) * 1024;
    out.push(
      line([
        r.taskArn.split('/').pop() ?? r.taskArn,
        r.cluster,
        r.service ? `service:${r.service}` : r.family,
        pct(r.cpuPercent),
        `${used === undefined ? '--' : used.toFixed(0)} / ${r.cpuReserved || '--'}`,
        `${r.memoryMiB === undefined ? '--' : `${r.memoryMiB.toFixed(1)}MiB`} / ${r.memoryReserved ? `${r.memoryReserved}MiB` : '--'}`,
        pct(r.memoryMiB !== undefined && r.memoryReserved ? (r.memoryMiB / r.memoryReserved) * 100 : undefined),
        `${bytes(r.netRxBytes)} / ${bytes(r.netTxBytes)}`,
        `${bytes(r.blockReadBytes)} / ${bytes(r.blockWriteBytes)}`,
      ]),
    );
  }
  return out.join('\n');
}

const seconds = (v: string) => {
  const n = Number(v);
  if (!(n >= 0.5 && n <= 3600)) throw new InvalidArgumentError('seconds between 0.5 and 3600');
  return n;
};

/** `berth top`: live CPU, memory, network and block I/O of the running tasks, like `docker stats`. */
export function addTopCommand(program: Command): void {
  program
    .command('top')
    .description("the running tasks' CPU, memory, network and block I/O, refreshed like docker stats")
    .option(
      '--endpoint <url>',
      'the berth endpoint (default: AWS_ENDPOINT_URL, else http://localhost:4566)',
      defaultEndpoint(),
    )
    .option('--cluster <name>', 'only this cluster')
    .option('--region <name>', 'a region other than the default one')
    .option('--no-stream', 'print once and exit')
    .option('--interval <seconds>', 'seconds between refreshes', seconds, 2)
    .option('--json', 'the readings as JSON (once)', false)
    .action(async (o: Record<string, unknown>) => {
      const q = new URLSearchParams();
      if (o.cluster) q.set('cluster', o.cluster as string);
      if (o.region) q.set('region', o.region as string);
      const url = `${String(o.endpoint).replace(/\/$/, '')}/_berth/top${q.size ? `?${q}` : ''}`;
      const read = async () => {
        try {
          return await callBerth<Reply>(url);
        } catch (e) {
          process.stderr.write(`berth: ${(e as Error).message}\n`);
          process.exit(1);
        }
      };
      if (o.json) {
        process.stdout.write(`${JSON.stringify(await read(), null, 2)}\n`);
        return;
      }
      const tty = process.stdout.isTTY === true;
      for (;;) {
        const r = await read();
        // On a terminal each refresh replaces the last, as docker stats does.
        process.stdout.write(`${tty && o.stream ? '\x1b[2J\x1b[H' : ''}${topTable(r.tasks ?? [])}\n`);
        if (!o.stream) return;
        await new Promise((res) => setTimeout(res, (o.interval as number) * 1000));
      }
    });
}
