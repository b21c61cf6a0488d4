import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Logger } from '../kernel/index.js';
import type { RoleCredentials } from '../wire/index.js';
import { bridgeAddresses } from './runtime/network.js';
import type { CgroupSample } from './runtime/cgroup-stats.js';
import { containerMetadata, containerStats, taskMetadata } from './task-metadata.js';
import type { LocalTask } from './task-state.js';

/**
 * Whether a task reaches the task endpoint: it has a role or metadata, and a network of its own on
 * the bridge, or the host's (where the address on the bridge is one of the host's own).
 */
export function usesTaskEndpoint(t: LocalTask): boolean {
  const mode = t.spec.sandbox.network.mode;
  return (
    Boolean(t.spec.sandbox.identity || t.spec.sandbox.metadata) &&
    (mode === 'bridge' || mode === 'own' || mode === 'host')
  );
}

/**
 * Whether a connection from the host's own network (`client`: its address and port) is one a
 * process of this host-network task opened. Tasks on the host's network share its addresses, so
 * the caller is told by the socket's owner, not its source address.
 */
export type HostCallerCheck = (t: LocalTask, client: Caller) => Promise<boolean>;

/** Who asks the task endpoint: the connection's remote address and port. */
export interface Caller {
  address: string;
  port: number;
}

/** Where ECS serves task role credentials (and, later, task metadata), as the SDKs expect. */
export const CREDENTIALS_ADDRESS = '169.254.170.2';
/** Credentials are asked for again once they have less than this left (the SDKs refresh at 5 min). */
const REFRESH_MS = 15 * 60_000;
const ASK_TIMEOUT_MS = 10_000;

/**
 * The host's task endpoint at 169.254.170.2: credentials (`GET /v2/credentials/<id>`) and task
 * metadata (`/v4/<id>-<container>`, `/v3/…`), each answered only to the task whose spec carries
 * that id and only from that task's own address, or for a task on the host's network only to
 * its own processes (another task asking with the same path gets nothing). The address sits on
 * the host's task bridge, so a task's packets reach it through its default route, and the host's
 * own processes as a local address. Credentials come from the control plane
 * (`credentials-request`) and are kept in memory until they near their expiry.
 */
export class TaskEndpoint {
  private server?: Server;
  private listening?: Promise<void>;
  private readonly held = new Map<string, RoleCredentials>();
  private readonly waiting = new Map<string, (r: { credentials?: RoleCredentials; error?: string }) => void>();
  /** Each container's last stats reading, by runtime id: the next answer's `precpu_stats`. */
  private readonly lastRead = new Map<string, CgroupSample>();

  constructor(
    private readonly tasks: () => Iterable<LocalTask>,
    private readonly send: (msg: object) => boolean,
    private readonly logger: Logger,
    /** Reads a running container's cgroup; without it `/stats` is not served. */
    private readonly readStats?: (t: LocalTask, container: string) => Promise<CgroupSample | undefined>,
    /** Tells a host-network task's own connections; without it such tasks are answered nothing. */
    private readonly hostCaller?: HostCallerCheck,
  ) {}

  /** Puts the address on the bridge and listens there (once; later calls wait for the first). */
  serve(bridge: string): Promise<void> {
    this.listening ??= this.listen(bridge).catch((e: unknown) => {
      this.listening = undefined;
      throw e;
    });
    return this.listening;
  }

  private async listen(bridge: string): Promise<void> {
    // Tasks on the host's network may be the first to ask: the bridge may not be there yet.
    await bridgeAddresses(bridge).add(CREDENTIALS_ADDRESS);
    const server = createServer((req, res) => {
      const from = { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 };
      void this.answer(req.url ?? '/', from).then(([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(80, CREDENTIALS_ADDRESS, () => resolve());
    });
    this.server = server;
  }

  /** The task that `which` names, if the connection is its own: from its address, or (host network) its processes. */
  private async askedBy(which: (t: LocalTask) => boolean, from: Caller): Promise<LocalTask | undefined> {
    for (const t of this.tasks()) {
      if (!which(t)) continue;
      if (t.spec.sandbox.network.mode !== 'host') return t.network?.ip === from.address ? t : undefined;
      return (await this.hostCaller?.(t, from)) ? t : undefined;
    }
    return undefined;
  }

  private async answer(url: string, from: Caller): Promise<[number, object]> {
    const path = url.split('?')[0] ?? '';
    const meta = /^\/v([34])\/([0-9a-f-]{36})-([^/]+)(\/task)?(\/stats)?$/.exec(path);
    if (meta) return meta[5] ? this.stats(meta, from) : this.metadata(meta, from);
    const m = /^\/v2\/credentials\/([0-9a-f-]{36})$/.exec(path);
    const task = m ? await this.askedBy((t) => t.spec.sandbox.identity?.credentialsId === m[1], from) : undefined;
    if (!task) return [400, { code: 'InvalidIdentifier', message: 'CredentialsV2Request: Credentials not found' }];
    const c = await this.credentialsOf(task);
    if ('error' in c) {
      this.logger.warn({ task: task.spec.id, reason: c.error }, 'task role credentials could not be had');
      return [500, { code: 'InternalServerError', message: c.error }];
    }
    return [
      200,
      {
        RoleArn: c.roleArn,
        AccessKeyId: c.accessKeyId,
        SecretAccessKey: c.secretAccessKey,
        Token: c.sessionToken,
        Expiration: new Date(c.expiration).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    ];
  }

  /** The task with that metadata id and the container named, asked for by the task itself. */
  private async asker(id: string | undefined, name: string | undefined, from: Caller) {
    const t = await this.askedBy((x) => x.spec.sandbox.metadata?.id === id, from);
    const c = t?.spec.containers.find((x) => x.name === decodeURIComponent(name ?? ''));
    return t && c ? { t, c } : undefined;
  }

  /** `/v4/<id>-<container>[/task]` (and v3), for the task with that id, from its own address. */
  private async metadata(m: RegExpExecArray, from: Caller): Promise<[number, object]> {
    const [, version, id, name, task] = m;
    const found = await this.asker(id, name, from);
    if (!found) return [404, { code: 'NotFound', message: 'no such task metadata' }];
    const v4 = version === '4';
    return [200, task ? taskMetadata(found.t, v4) : containerMetadata(found.t, found.c, v4)];
  }

  /**
   * `/v4/<id>-<container>/stats`: the container's stats; `/task/stats`: every running container's,
   * by runtime id (as ECS keys them by Docker id). A container not running has none: `{}`.
   */
  private async stats(m: RegExpExecArray, from: Caller): Promise<[number, object]> {
    const [, , id, name, task] = m;
    const found = await this.asker(id, name, from);
    if (!found) return [404, { code: 'NotFound', message: 'no such task metadata' }];
    const read = this.readStats;
    if (!read) return [501, { code: 'NotImplemented', message: 'container stats are not read on this host' }];
    const { t, c } = found;
    const one = async (container: string): Promise<[string, object] | undefined> => {
      const st = t.containers[container];
      if (st?.state !== 'running') return undefined;
      const now = await read(t, container);
      if (!now) return undefined;
      const prev = this.lastRead.get(st.runtimeId);
      this.lastRead.set(st.runtimeId, now);
      return [st.runtimeId, containerStats(st.runtimeId, now, prev)];
    };
    if (!task) return [200, (await one(c.name))?.[1] ?? {}];
    const all = await Promise.all(t.spec.containers.map((x) => one(x.name)));
    return [200, Object.fromEntries(all.filter((x): x is [string, object] => x !== undefined))];
  }

  private async credentialsOf(t: LocalTask): Promise<RoleCredentials | { error: string }> {
    const kept = this.held.get(t.spec.id);
    if (kept && kept.expiration - Date.now() > REFRESH_MS) return kept;
    const requestId = randomUUID();
    const answer = await new Promise<{ credentials?: RoleCredentials; error?: string }>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        resolve({ error: 'the control plane did not answer' });
      }, ASK_TIMEOUT_MS);
      this.waiting.set(requestId, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      if (!this.send({ type: 'credentials-request', requestId, taskId: t.spec.id })) {
        this.waiting.delete(requestId);
        clearTimeout(timer);
        resolve({ error: 'the control plane is not connected' });
      }
    });
    if (!answer.credentials)
      return kept && kept.expiration > Date.now() ? kept : { error: answer.error ?? 'no credentials' };
    this.held.set(t.spec.id, answer.credentials);
    return answer.credentials;
  }

  /** The control plane's answer to a credentials request. */
  onAnswer(requestId: string, r: { credentials?: RoleCredentials; error?: string }): void {
    const done = this.waiting.get(requestId);
    this.waiting.delete(requestId);
    done?.(r);
  }

  /** A task gone: its credentials and stats readings are dropped. */
  forget(taskId: string): void {
    this.held.delete(taskId);
    for (const id of this.lastRead.keys()) if (id.startsWith(`${taskId}-`)) this.lastRead.delete(id);
  }

  close(): void {
    this.server?.close();
  }
}
