import { join } from 'node:path';
import type { PulledImage } from './images/image-store.js';
import type { ContainerSpec, Probe, TerminalSize, WorkloadSpec } from '../wire/index.js';
import type { ExecProcess } from './runtime/exec-process.js';
import type { ContainerRuntime, ExitStatus } from './runtime/runtime.js';
import type { NetworkProber, ProbeTarget } from './net-probes.js';
import type { TaskPlatform } from './task-platform.js';
import type { ImageSource } from './task-images.js';

interface FakeContainer {
  dir: string;
  state: 'created' | 'running' | 'stopped';
  exit?: ExitStatus;
}

/**
 * The OCI runtime's twin for unit tests: containers are entries in a map, nothing runs. A test
 * ends a container with `exit`, decides which ignore SIGTERM and what a probe answers, and reads
 * back every call in `calls` (`start web`, `kill web TERM`, …).
 */
export class FakeRuntime implements ContainerRuntime {
  readonly mountsRootOverlay = true;
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  /** Containers (by id) that do not exit on SIGTERM. */
  readonly ignoreTerm = new Set<string>();
  /** The streamed commands started (kubectl exec), in order. */
  readonly streams: FakeExecProcess[] = [];
  /** What `exec` answers for a container (by id); 0 when unset. */
  readonly probeAnswers = new Map<string, number>();

  /** The id a task's container runs under (the runner's convention: `<taskId>-<name>`). */
  static id = (taskId: string, name: string) => `${taskId}-${name}`;

  private name = (id: string) => id.slice(id.indexOf('-') + 1);

  async create(id: string, _bundle: string, dir: string): Promise<void> {
    this.calls.push(`create ${this.name(id)}`);
    this.containers.set(id, { dir, state: 'created' });
  }
  async start(id: string): Promise<void> {
    this.calls.push(`start ${this.name(id)}`);
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} does not exist`);
    c.state = 'running';
  }
  async kill(id: string, signal: string): Promise<void> {
    this.calls.push(`kill ${this.name(id)} ${signal}`);
    if (signal === 'KILL') this.exit(id, 137);
    else if (!this.ignoreTerm.has(id)) this.exit(id, 143);
  }
  async status(id: string): Promise<string | undefined> {
    return this.containers.get(id)?.state;
  }
  async delete(id: string): Promise<void> {
    this.containers.delete(id);
  }
  async exec(id: string, args: string[]): Promise<number> {
    this.calls.push(`exec ${this.name(id)} ${args.join(' ')}`);
    return this.probeAnswers.get(id) ?? 0;
  }
  async openExec(id: string, process: object, processFile: string, tty: boolean): Promise<ExecProcess> {
    this.calls.push(`exec-stream ${this.name(id)}${tty ? ' tty' : ''}`);
    const p = new FakeExecProcess(process, processFile);
    this.streams.push(p);
    return p;
  }
  async openAttach(id: string, tty: boolean): Promise<ExecProcess> {
    this.calls.push(`attach ${this.name(id)}${tty ? ' tty' : ''}`);
    const p = new FakeExecProcess({}, '');
    this.streams.push(p);
    return p;
  }
  async exitStatus(dir: string): Promise<ExitStatus | undefined> {
    return [...this.containers.values()].find((c) => c.dir === dir)?.exit;
  }
  async forgetMonitor(): Promise<void> {}

  /** The container exits with this code (as its monitor would record it). */
  exit(id: string, code: number, oomKilled = false): void {
    const c = this.containers.get(id);
    if (!c || c.state === 'stopped') return;
    c.state = 'stopped';
    c.exit = { code, oomKilled };
  }
}

/** A streamed command's twin: the test makes it print and exit, and reads what it was sent. */
export class FakeExecProcess implements ExecProcess {
  readonly input: Buffer[] = [];
  readonly sizes: TerminalSize[] = [];
  ended = false;
  hungUp = false;
  private out?: (stream: 'stdout' | 'stderr', data: Buffer) => void;
  private readonly exits: ((code: number) => void)[] = [];

  constructor(
    readonly process: object,
    readonly processFile: string,
  ) {}

  onOutput(l: (stream: 'stdout' | 'stderr', data: Buffer) => void): void {
    this.out = l;
  }
  onExit(l: (code: number) => void): void {
    this.exits.push(l);
  }
  write(data: Buffer): void {
    this.input.push(data);
  }
  end(): void {
    this.ended = true;
  }
  resize(size: TerminalSize): void {
    this.sizes.push(size);
  }
  hangUp(): void {
    this.hungUp = true;
  }
  print(stream: 'stdout' | 'stderr', data: Buffer | string): void {
    this.out?.(stream, Buffer.from(data));
  }
  exit(code: number): void {
    for (const l of this.exits) l(code);
  }
}

/** A host that prepares nothing: no network, no cgroups, no mounts; bundles are just paths. */
export function fakePlatform(calls: string[] = []): TaskPlatform {
  return {
    async prepareSandbox(t) {
      calls.push('prepare sandbox');
      t.bindings = [];
      // A network of its own gets an address, as CNI gives one.
      const mode = t.spec.sandbox.network.mode;
      if (mode === 'own' || mode === 'bridge') t.network = { ip: FAKE_WORKLOAD_IP, bindings: [] };
    },
    async tearDownNetwork() {
      calls.push('tear down network');
    },
    async removeSandbox() {
      calls.push('remove sandbox');
    },
    async writeBundle(b) {
      return join(b.dir, 'bundle');
    },
    async unmountRoot() {},
    cgroupOf: (_t, _c, id) => `/test/${id}`,
  };
}

/** The address fakePlatform gives a workload with a network of its own. */
export const FAKE_WORKLOAD_IP = '10.99.0.2';

/**
 * Network probes answered from a table: `http <host>:<port><path>` or `tcp <host>:<port>` → pass
 * (true when unset); each attempt is recorded in `calls`.
 */
export class FakeNet implements NetworkProber {
  readonly calls: string[] = [];
  readonly answers = new Map<string, boolean>();
  async http(t: ProbeTarget & { path: string }): Promise<boolean> {
    return this.answer(`http ${t.host}:${t.port}${t.path}`);
  }
  async tcp(t: ProbeTarget): Promise<boolean> {
    return this.answer(`tcp ${t.host}:${t.port}`);
  }
  private answer(key: string): boolean {
    this.calls.push(key);
    return this.answers.get(key) ?? true;
  }
}

/** Images that are always there: every reference resolves to one fixed image. */
export function fakeImages(digest = 'sha256:' + 'a'.repeat(64)): ImageSource {
  const image: PulledImage = { digest, config: { Cmd: ['/bin/app'] }, layers: [] };
  return { pull: async () => image, peek: async () => image };
}

/** A neutral container with nothing set but what a test gives. */
export function containerSpec(o: Partial<ContainerSpec> & { name: string }): ContainerSpec {
  return {
    image: 'img',
    env: [],
    secretEnv: [],
    mounts: [],
    resources: { cpuShares: 0 },
    security: {
      privileged: false,
      readonlyRootfs: false,
      capAdd: [],
      capDrop: [],
      init: false,
      tmpfs: [],
      rlimits: [],
    },
    labels: {},
    hostAliases: [],
    ports: [],
    essential: true,
    startAfter: [],
    restart: { policy: 'never', ignoredExitCodes: [], backoff: true },
    stop: { timeoutMs: 30_000, signal: 'TERM' },
    probes: {},
    log: { type: 'file' },
    ...o,
  };
}

/** A workload of these containers, with no network of its own. */
export function workloadSpec(id: string, containers: ContainerSpec[]): WorkloadSpec {
  return {
    id,
    ref: `arn:aws:ecs:us-east-1:000000000000:task/c/${id}`,
    desired: 'running',
    sandbox: { hostname: id.slice(0, 12), network: { mode: 'none' }, volumes: [], platformEnv: {} },
    containers,
  };
}

/** An exec probe every `periodS` seconds. */
export const execProbe = (periodS: number, failureThreshold: number, gracePeriodS = 0): Probe => ({
  action: { type: 'exec', command: ['probe'] },
  periodMs: periodS * 1000,
  timeoutMs: 5000,
  failureThreshold,
  successThreshold: 1,
  gracePeriodMs: gracePeriodS * 1000,
});
