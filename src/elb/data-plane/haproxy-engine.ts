import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../../kernel/index.js';
import type { GroupView } from './balancer.js';
import { routable, type ListenerEngine, type ListenerPlan } from './engine.js';
import { forwardMap, renderHaproxy, type BackendPlan } from './haproxy-config.js';
import { HaproxyFiles } from './haproxy-files.js';
import { countsOf, replaceMap, runtimeCommand } from './haproxy-runtime.js';
import type { RequestCounts } from './metrics.js';

const execFileP = promisify(execFile);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Listeners served by Debian's HAProxy, which berth configures and drives (chosen by measurement:
 * bench/elb). A target group is a backend of server slots; berth's health checks decide which
 * slots take new requests, and a change of targets or states goes through HAProxy's runtime API
 * without a reload, as does a change of where a rule forwards (its target groups and weights: a
 * listener's forward map, replaced at once). Any other change of listeners, rules or target groups
 * writes the configuration again and reloads HAProxy in master-worker mode, whose listening
 * sockets pass to the new worker.
 */
export class HaproxyEngine implements ListenerEngine {
  private child?: ChildProcess;
  private structure = '';
  /** Per target group ARN: its slots' target keys. */
  private readonly slots = new Map<string, (string | undefined)[]>();
  /** Per `backend/server`: the `address:port ready` last applied. */
  private applied = new Map<string, string>();
  /** Per forward map file: the contents HAProxy has. */
  private appliedMaps = new Map<string, string>();
  /** HAProxy's proxy names: a frontend's listener key, a backend's target group ARN. */
  private readonly proxies = new Map<string, { listener?: string; group?: string }>();
  /** A structure HAProxy refused (checked once, not again every pass). */
  private refused?: string;
  private readonly files: HaproxyFiles;
  private readonly config: string;
  private readonly dir: string;
  private readonly pidFile: string;
  private readonly socket: string;

  constructor(
    dir: string,
    private readonly logger: Logger,
    private readonly binary = 'haproxy',
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.dir = dir;
    this.config = join(dir, 'haproxy.cfg');
    this.socket = join(dir, 'runtime.sock');
    this.pidFile = join(dir, 'haproxy.pid');
    this.files = new HaproxyFiles(dir);
  }

  async apply(listeners: readonly ListenerPlan[], groups: ReadonlyMap<string, GroupView>): Promise<void> {
    // No listener, no HAProxy.
    if (listeners.length === 0) {
      if (this.child) await this.stop();
      this.structure = '';
      return;
    }
    const backends = new Map<string, BackendPlan>();
    const empty = new Map<string, BackendPlan>();
    for (const g of groups.values()) {
      const keys = this.slots.get(g.arn) ?? [];
      const present = new Set(g.targets.map((t) => t.key));
      for (let i = 0; i < keys.length; i++) if (keys[i] && !present.has(keys[i] as string)) keys[i] = undefined;
      for (const t of g.targets) {
        if (keys.includes(t.key)) continue;
        const free = keys.indexOf(undefined);
        if (free >= 0) keys[free] = t.key;
        else keys.push(t.key);
      }
      // Slots come in powers of two from 8, so that most registrations need no reload.
      let size = 8;
      while (size < keys.length) size *= 2;
      while (keys.length < size) keys.push(undefined);
      this.slots.set(g.arn, keys);
      const ready = new Set(routable(g).map((t) => t.key));
      const byKey = new Map(g.targets.map((t) => [t.key, t]));
      const name = `${g.protocol === 'HTTP' || g.protocol === 'HTTPS' ? 'h' : 't'}_${g.id}`;
      const policy = {
        name,
        leastOutstanding: g.leastOutstanding,
        ...(g.sticky ? { sticky: g.sticky } : {}),
        ...(g.slowStartSec ? { slowStartSec: g.slowStartSec } : {}),
      };
      backends.set(g.arn, {
        ...policy,
        slots: keys.map((k) => {
          const t = k ? byKey.get(k) : undefined;
          return t ? { address: t.address, port: t.port, ready: ready.has(t.key) } : undefined;
        }),
      });
      empty.set(g.arn, { ...policy, slots: keys.map(() => undefined) });
    }
    for (const l of listeners) this.proxies.set(`l_${l.id}`, { listener: l.key });
    for (const [arn, b] of backends) this.proxies.set(b.name, { group: arn });
    const certFiles = this.files.certificates(listeners);
    const certificateFiles = (l: ListenerPlan) => certFiles.get(l.key) ?? [];
    const mapFile = (l: ListenerPlan) => join(this.dir, `fwd-${l.id}.map`);
    const backendOf = (arn: string) => backends.get(arn)?.name ?? 'none';
    const maps = new Map(
      listeners.filter((l) => l.protocol !== 'TCP').map((l) => [mapFile(l), forwardMap(l, backendOf)]),
    );
    const structure = renderHaproxy(listeners, empty, this.socket, certificateFiles, mapFile);
    if (!this.child || structure !== this.structure) {
      // A configuration HAProxy refuses is never put in place: every listener would go with it.
      if (structure === this.refused) return;
      this.files.maps(maps);
      const next = `${this.config}.next`;
      writeFileSync(next, renderHaproxy(listeners, backends, this.socket, certificateFiles, mapFile));
      const check = await execFileP(this.binary, ['-c', '-q', '-f', next]).then(
        () => '',
        (e: { stderr?: string; message: string }) => e.stderr || e.message,
      );
      if (check) {
        this.refused = structure;
        this.logger.error({ err: check.trim().slice(-1000) }, 'HAProxy refused the configuration; the last one stays');
        return;
      }
      renameSync(next, this.config);
      await (this.child ? this.reload() : this.start());
      this.structure = structure;
      this.applied = this.stateOf(backends);
      this.appliedMaps = maps;
      return;
    }
    // Targets that come up go first and those that go down last, with the forward maps between:
    // traffic moved from one group to another in the same pass never finds either empty.
    const want = this.stateOf(backends);
    const up: string[] = [];
    const down: string[] = [];
    for (const [server, state] of want) {
      if (this.applied.get(server) === state) continue;
      const [address, port, ready] = state.split(' ');
      const list = ready === 'ready' ? up : down;
      if (address !== '-') list.push(`set server ${server} addr ${address} port ${port}`);
      list.push(`set server ${server} state ${ready === 'ready' ? 'ready' : 'maint'}`);
    }
    await this.serverCommands(up);
    for (const [file, text] of maps) {
      if (this.appliedMaps.get(file) === text) continue;
      writeFileSync(file, text);
      try {
        await replaceMap(this.socket, file, text);
        this.appliedMaps.set(file, text);
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'HAProxy refused a forward map; the next pass tries again');
      }
    }
    await this.serverCommands(down);
    this.applied = want;
  }

  private async serverCommands(commands: readonly string[]): Promise<void> {
    if (commands.length === 0) return;
    const answer = await runtimeCommand(this.socket, commands.join(';'));
    if (/No such|Invalid|Require|error/i.test(answer))
      this.logger.warn({ answer: answer.trim().slice(0, 500) }, 'HAProxy refused a runtime change');
  }

  private stateOf(backends: ReadonlyMap<string, BackendPlan>): Map<string, string> {
    const out = new Map<string, string>();
    for (const b of backends.values())
      b.slots.forEach((s, i) =>
        out.set(`${b.name}/s${i + 1}`, s ? `${s.address} ${s.port} ${s.ready ? 'ready' : 'maint'}` : '- - maint'),
      );
    return out;
  }

  private async workerPid(): Promise<string | undefined> {
    try {
      return /^Pid: (\d+)$/m.exec(await runtimeCommand(this.socket, 'show info', 500))?.[1];
    } catch {
      return undefined;
    }
  }

  /**
   * An HAProxy left running on this configuration by a berth that was killed holds the
   * listeners' ports: it is stopped before a new one starts.
   */
  private killStale(): void {
    let pid: number;
    try {
      pid = Number(readFileSync(this.pidFile, 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 1) return;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(this.config)) return;
    } catch {
      return; // no pid file, or no such process
    }
    this.logger.warn({ pid }, 'stopping an HAProxy an earlier berth left running');
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }

  private async start(): Promise<void> {
    this.killStale();
    // HAProxy under a shell that stops it when berth's end of its stdin closes, so that it never
    // outlives berth, even one that is killed; the shell exits when HAProxy does. (The watcher
    // reads the pipe as fd 3: a background list's own stdin is /dev/null.)
    const child = spawn(
      'sh',
      [
        '-c',
        'haproxy="$1"; shift; exec 3<&0; "$haproxy" "$@" < /dev/null & pid=$!; (read _ <&3; kill $pid) & wait $pid',
        'sh',
        this.binary,
        '-W',
        '-db',
        '-f',
        this.config,
        '-p',
        this.pidFile,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.stdin?.on('error', () => undefined); // the shell gone first
    child.on('exit', (code, signal) => {
      child.stdin?.end();
      if (this.child === child) {
        this.child = undefined;
        this.logger.warn({ code, signal, stderr: stderr.trim().slice(-1000) }, 'HAProxy exited; starting it again');
      }
    });
    this.child = child;
    for (let i = 0; i < 100; i++) {
      if (this.child !== child) throw new Error(`HAProxy did not start: ${stderr.trim().slice(-1000)}`);
      if (await this.workerPid()) return;
      await sleep(50);
    }
    throw new Error('HAProxy did not answer on its runtime socket');
  }

  /** A reload: the master starts a worker on the new configuration; the old one finishes its requests. */
  private async reload(): Promise<void> {
    const before = await this.workerPid();
    const master = Number(readFileSync(this.pidFile, 'utf8').trim());
    if (Number.isInteger(master) && master > 1) process.kill(master, 'SIGUSR2');
    for (let i = 0; i < 100; i++) {
      await sleep(20);
      const now = await this.workerPid();
      if (now && now !== before) return;
    }
    this.logger.warn({}, 'HAProxy did not take the new configuration within 2 s');
  }

  /**
   * The requests HAProxy counted (`show stat`: each frontend's and backend's `req_tot`, or its
   * sessions where it keeps no request count), by listener and target group. A reload starts a
   * worker whose counters start again from 0.
   */
  async requestCounts(): Promise<RequestCounts> {
    if (!this.child) return { listeners: new Map(), groups: new Map() };
    return countsOf(await runtimeCommand(this.socket, 'show stat', 1000).catch(() => ''), this.proxies);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    await Promise.race([gone, sleep(3000)]);
    if (child.exitCode === null) this.killStale();
  }
}
