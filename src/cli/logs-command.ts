import { InvalidArgumentError, type Command } from 'commander';
import { callBerth, defaultEndpoint } from './endpoint.js';

const count = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('not a whole number');
  return Number(v);
};

interface LogsReply {
  container?: string;
  taskStatus?: string;
  events?: { timestamp: number; stream: string; message: string }[];
  error?: string;
  message?: string;
}

/** The cluster a task reference names: a full ARN's (`…:task/<cluster>/<id>`), else `default`. */
export function clusterOfTask(task: string): string {
  return /^arn:[^:]+:ecs:[^:]*:[^:]*:task\/([^/]+)\/[^/]+$/.exec(task)?.[1] ?? 'default';
}

/** `berth logs TASK`: a task container's output, as `docker logs` prints it. */
export function addLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("print a task container's stdout and stderr, read from the agent that runs it")
    .argument('<task>', 'task id or ARN')
    .option(
      '--endpoint <url>',
      'the berth endpoint (default: AWS_ENDPOINT_URL, else http://localhost:4566)',
      defaultEndpoint(),
    )
    .option('--cluster <name>', 'the cluster of the task (default: the one its ARN names, else default)')
    .option('--container <name>', 'the container (default: the first essential one)')
    .option('--tail <n>', 'only the last n lines', count)
    .option('--timestamps', 'prefix each line with its time and stream', false)
    .option('-f, --follow', 'keep printing new lines until the task stops', false)
    .action(async (task: string, o: Record<string, unknown>) => {
      const cluster = (o.cluster as string | undefined) ?? clusterOfTask(task);
      const base =
        `${String(o.endpoint).replace(/\/$/, '')}/_berth/v1/clusters/${encodeURIComponent(cluster)}` +
        `/tasks/${encodeURIComponent(task)}/logs`;
      const fetchLogs = async (params: URLSearchParams): Promise<LogsReply> => {
        try {
          return await callBerth<LogsReply>(`${base}?${params.toString()}`);
        } catch (e) {
          process.stderr.write(`berth logs: ${(e as Error).message}\n`);
          process.exit(1);
        }
      };
      const print = (e: NonNullable<LogsReply['events']>[number]) => {
        const line = o.timestamps ? `${new Date(e.timestamp).toISOString()} ${e.stream} ${e.message}` : e.message;
        (e.stream === 'stderr' && !o.timestamps ? process.stderr : process.stdout).write(`${line}\n`);
      };
      const first = new URLSearchParams();
      if (o.container) first.set('container', o.container as string);
      if (o.tail !== undefined) first.set('tail', String(o.tail));
      let reply = await fetchLogs(first);
      reply.events?.forEach(print);
      // Following: ask again from the last time seen, skipping the lines at that time already printed.
      let last = reply.events?.at(-1)?.timestamp;
      let atLast = reply.events?.filter((e) => e.timestamp === last).length ?? 0;
      while (o.follow && reply.taskStatus !== 'STOPPED') {
        await new Promise((r) => setTimeout(r, 500));
        const next = new URLSearchParams();
        if (o.container) next.set('container', o.container as string);
        if (last !== undefined) next.set('startTime', String(last));
        reply = await fetchLogs(next);
        const fresh = (reply.events ?? []).slice(last !== undefined ? atLast : 0);
        fresh.forEach(print);
        if (fresh.length > 0) {
          const t = fresh.at(-1)?.timestamp as number;
          atLast = (reply.events ?? []).filter((e) => e.timestamp === t).length;
          last = t;
        }
      }
    });
}
