import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../kernel/index.js';
import type { AgentOptions } from './agent-process.js';

/** The environment variable that hands the local agent its settings. */
export const LOCAL_AGENT_ENV = 'BERTH_LOCAL_AGENT';

/**
 * `berth up`'s agent, in a process of its own: it then shares neither the server's event loop nor
 * its memory, and forking the many short-lived commands a task start needs (mount, conmon, runc,
 * the CNI plugins) costs in proportion to the forking process's size. The child reads its
 * settings from the environment and exits when its stdin closes, so it never outlives this
 * process, however that ends; the containers, under their own monitors, outlive both. If it
 * dies, it is started again.
 */
export class LocalAgent {
  private child: ChildProcess | undefined;
  private stopping = false;
  /** Doubles while the agent keeps dying soon after it starts (a host that cannot run it), to 30 s. */
  private backoffMs = 1000;

  constructor(
    private readonly options: AgentOptions,
    private readonly logLevel: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const script = process.argv[1] as string;
    const child = spawn(process.execPath, [...process.execArgv, script, 'local-agent', '--log-level', this.logLevel], {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: { ...process.env, [LOCAL_AGENT_ENV]: JSON.stringify(this.options) },
    });
    this.child = child;
    const started = Date.now();
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      this.backoffMs = Date.now() - started > 60_000 ? 1000 : Math.min(this.backoffMs * 2, 30_000);
      this.logger.error({ code, signal, retryInMs: this.backoffMs }, 'local agent exited; starting it again');
      setTimeout(() => !this.stopping && this.start(), this.backoffMs).unref();
    });
  }

  /** Stops the agent and waits (a few seconds at most) until it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}
