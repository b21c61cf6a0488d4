import { InvalidArgumentError, type Command } from 'commander';
import { callBerth, defaultEndpoint } from './endpoint.js';

interface Meter {
  tasks: number;
  billedSeconds: number;
  vcpuSeconds: number;
  gbSeconds: number;
  costUsd: number;
}

interface UsageReply {
  at?: string;
  totals?: Meter & { byCapacityProvider: Record<string, Meter> };
  clusters?: (Meter & { cluster: string })[];
  services?: (Meter & { cluster: string; service: string })[];
  tasks?: (Meter & { taskArn: string; capacityProvider: string; cpu: number; memory: number; running: boolean })[];
  error?: string;
  message?: string;
}

async function call<T extends { error?: string; message?: string }>(url: string, init?: RequestInit): Promise<T> {
  try {
    return await callBerth<T>(url, init);
  } catch (e) {
    process.stderr.write(`berth: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

const row = (name: string, m: Meter) =>
  `${name.padEnd(48)} ${String(m.tasks).padStart(6)} ${m.vcpuSeconds.toFixed(0).padStart(12)} ${m.gbSeconds
    .toFixed(0)
    .padStart(12)} ${('$' + m.costUsd.toFixed(6)).padStart(13)}`;

const fraction = (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('a fraction above 0 and at most 1');
  return n;
};

/** `berth usage` and `berth fargate interrupt`. */
export function addFargateCommands(program: Command): void {
  program
    .command('usage')
    .description('Fargate usage (vCPU- and GB-seconds, billed as AWS bills) and its estimated cost')
    .option(
      '--endpoint <url>',
      'the berth endpoint (default: AWS_ENDPOINT_URL, else http://localhost:4566)',
      defaultEndpoint(),
    )
    .option('--cluster <name>', 'only this cluster')
    .option('--tasks', 'one line per task as well', false)
    .option('--json', 'the whole report as JSON', false)
    .action(async (o: Record<string, unknown>) => {
      const q = o.cluster ? `?cluster=${encodeURIComponent(o.cluster as string)}` : '';
      const r = await call<UsageReply>(`${String(o.endpoint).replace(/\/$/, '')}/_berth/usage${q}`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const out = [
        `${''.padEnd(48)} ${'tasks'.padStart(6)} ${'vCPU-s'.padStart(12)} ${'GB-s'.padStart(12)} ${'est. USD'.padStart(13)}`,
      ];
      for (const c of r.clusters ?? []) out.push(row(`cluster ${c.cluster}`, c));
      for (const s of r.services ?? []) out.push(row(`service ${s.cluster}/${s.service}`, s));
      for (const [p, m] of Object.entries(r.totals?.byCapacityProvider ?? {}))
        out.push(row(`capacity provider ${p}`, m));
      if (o.tasks)
        for (const t of r.tasks ?? [])
          out.push(row(`task ${t.taskArn.split('/').slice(-2).join('/')}${t.running ? ' (running)' : ''}`, t));
      if (r.totals) out.push(row('total', r.totals));
      process.stdout.write(`${out.join('\n')}\n`);
    });

  program
    .command('fargate')
    .description('the Fargate fleet')
    .command('interrupt')
    .description('reclaim Fargate Spot capacity: SIGTERM, the two-minute warning, then SIGKILL')
    .option(
      '--endpoint <url>',
      'the berth endpoint (default: AWS_ENDPOINT_URL, else http://localhost:4566)',
      defaultEndpoint(),
    )
    .option('--cluster <name>', 'the cluster (of --task; with --fraction: only this cluster)')
    .option('--task <arn>', 'the Spot task to interrupt')
    .option('--fraction <f>', 'interrupt this fraction of running Spot tasks, chosen at random', fraction)
    .action(async (o: Record<string, unknown>) => {
      if ((o.task === undefined) === (o.fraction === undefined)) {
        process.stderr.write('berth fargate interrupt: give --task or --fraction\n');
        process.exit(1);
      }
      const r = await call<{ interrupted?: string[]; warningSeconds?: number; error?: string; message?: string }>(
        `${String(o.endpoint).replace(/\/$/, '')}/_berth/v1/fargate/interrupt`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            ...(o.cluster ? { cluster: o.cluster } : {}),
            ...(o.task ? { task: o.task } : {}),
            ...(o.fraction !== undefined ? { fraction: o.fraction } : {}),
          }),
        },
      );
      for (const arn of r.interrupted ?? []) process.stdout.write(`${arn}\n`);
      process.stderr.write(
        `interrupted ${r.interrupted?.length ?? 0} Spot task(s); SIGKILL after ${r.warningSeconds ?? '?'} s\n`,
      );
    });
}
