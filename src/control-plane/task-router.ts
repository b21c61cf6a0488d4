import type { Logger } from '../kernel/index.js';
import type { Change, StoreView } from '../store/index.js';
import { FLEET, tasks, type TaskRecord } from './tables.js';
import { hostOf } from './tasks/put-task.js';

/** What an agent session is told: a task of its host changed, or it must resend everything. */
export interface TaskListener {
  changed(key: string): void;
  resync(): void;
}

/**
 * One watch of the tasks table for every agent session. Each change goes to the session of the
 * host the task is placed on (as a container instance or as a Fargate fleet host) and to every
 * session still holding the task (it may have moved on, or been deleted). One watch per session
 * would look at every change once per connected agent: with a thousand agents, a RunTask of ten
 * tasks cost tens of thousands of steps before anything reached an agent.
 */
export class TaskRouter {
  private readonly hosts = new Map<string, Set<TaskListener>>();
  private readonly holders = new Map<string, Set<TaskListener>>();
  private abort: AbortController | undefined;

  constructor(
    private readonly store: StoreView,
    private readonly logger: Logger,
  ) {}

  static hostKey(cluster: string | undefined, instanceId: string): string {
    return `${cluster ?? FLEET}/${instanceId}`;
  }

  /** Routes the changes to tasks placed on these hosts to `l`, from now on; the returned function stops it. */
  listen(hostKeys: string[], l: TaskListener): () => void {
    for (const k of hostKeys) add(this.hosts, k, l);
    this.start();
    return () => {
      for (const k of hostKeys) remove(this.hosts, k, l);
    };
  }

  /** `l` has been sent the task: it hears of it wherever the task goes, until `release`. */
  hold(taskId: string, l: TaskListener): void {
    add(this.holders, taskId, l);
  }

  release(taskId: string, l: TaskListener): void {
    remove(this.holders, taskId, l);
  }

  close(): void {
    this.abort?.abort();
    this.abort = undefined;
  }

  private start(): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    void this.follow(abort);
  }

  private async follow(abort: AbortController): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        for await (const c of this.store.watch(this.store.revision(), { tables: [tasks.name], signal: abort.signal }))
          this.route(c);
        return;
      } catch (e) {
        if (abort.signal.aborted) return;
        // The watch fell behind the retained history: every session resends its full set.
        this.logger.warn({ err: String(e) }, 'task router lost its watch; agents resync');
        for (const set of this.hosts.values()) for (const l of set) l.resync();
      }
    }
  }

  private route(c: Change): void {
    const v = c.value as TaskRecord | undefined;
    const to = new Set<TaskListener>();
    const gather = (set: Set<TaskListener> | undefined) => set?.forEach((l) => to.add(l));
    const host = v && taskHostKey(v);
    if (host) gather(this.hosts.get(host));
    gather(this.holders.get(c.key.slice(c.key.indexOf('/') + 1)));
    for (const l of to) l.changed(c.key);
  }
}

/** The router's key for the host a task is placed on (container instance or fleet host), if any. */
export function taskHostKey(t: TaskRecord): string | undefined {
  const h = hostOf(t);
  return h && TaskRouter.hostKey(h.pool, h.id);
}

function add<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function remove<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
