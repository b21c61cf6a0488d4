import { InvalidArgumentError, type Command } from 'commander';

const count = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('not a whole number');
  return Number(v);
};

interface LogsReply {
  container?: string;
  events?: { timestamp: number; stream: string; message: string }[];
  error?: string;
  message?: string;
}

/** `berth logs TASK`: a task container's output, as `docker logs` prints it. */
export function addLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("print a task container's stdout and stderr, read from the agent that runs it")
    .argument('<task>', 'task id or ARN')
    .option('--endpoint <url>', 'the berth endpoint', 'http://localhost:4566')
    .option('--cluster <name>', 'the cluster of the task', 'default')
    .option('--container <name>', 'the container (default: the first essential one)')
    .option('--tail <n>', 'only the last n lines', count)
    .option('--timestamps', 'prefix each line with its time and stream', false)
    .action(async (task: string, o: Record<string, unknown>) => {
      const params = new URLSearchParams();
      if (o.container) params.set('container', o.container as string);
      if (o.tail !== undefined) params.set('tail', String(o.tail));
      const url =
        `${String(o.endpoint).replace(/\/$/, '')}/_berth/v1/clusters/${encodeURIComponent(o.cluster as string)}` +
        `/tasks/${encodeURIComponent(task)}/logs?${params.toString()}`;
      let reply: LogsReply;
      try {
        const res = await fetch(url);
        reply = (await res.json()) as LogsReply;
        if (!res.ok) throw new Error(`${reply.error ?? res.status}: ${reply.message ?? ''}`);
      } catch (e) {
        process.stderr.write(`berth logs: ${(e as Error).message}\n`);
        process.exit(1);
      }
      for (const e of reply.events ?? []) {
        const line = o.timestamps ? `${new Date(e.timestamp).toISOString()} ${e.stream} ${e.message}` : e.message;
        (e.stream === 'stderr' && !o.timestamps ? process.stderr : process.stdout).write(`${line}\n`);
      }
    });
}
