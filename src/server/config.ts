import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AuthMode } from '../aws-api/index.js';
import { parsePrices } from '../fargate/index.js';

export type { AuthMode };
import type { LogLevel } from '../kernel/index.js';

export interface BerthConfig {
  port: number;
  /** The address to listen on. */
  host: string;
  /** The host name berth advertises in endpoints and repository URIs. */
  advertiseHost: string;
  dataDir: string;
  region: string;
  accountId: string;
  auth: AuthMode;
  /** Require the ECR token (Basic auth) on /v2, as ECR does. */
  registryAuth: boolean;
  /** Create a repository on first push instead of refusing with NAME_UNKNOWN. */
  createRepositoryOnPush: boolean;
  /** Seconds between lifecycle-policy runs and between garbage collections. */
  registryMaintenanceInterval: number;
  /** Seconds a blob or link is protected after its last use (pushes in flight). */
  registryGcGrace: number;
  /** Seconds a disconnected agent's tasks count as running before services replace them. */
  agentLostGrace: number;
  /** Fargate prices for `berth usage`: `vcpu=…,gb=…,spot-vcpu=…,spot-gb=…,storage=…` (USD per hour). */
  fargatePrices?: string;
  /** Seconds between a Spot interruption's SIGTERM and its SIGKILL (AWS: 120). */
  spotWarning: number;
  /** Random Spot interruptions per task per hour, for chaos testing (0: none). */
  spotInterruptionRate: number;
  /** Seconds per period of the alarms a target-tracking policy makes (AWS: 60). */
  targetTrackingAlarmPeriod: number;
  /** Seconds between Container Insights publications (ECS: 60, a datapoint a minute). */
  containerInsightsInterval: number;
  /** Seconds between passes of the Kubernetes autoscalers (the HPA controller's sync period: 15). */
  kubeHpaPeriod: number;
  /**
   * The hosts file where load balancers' DNS names are kept, in a block of berth's
   * ('none': nowhere). `/etc/hosts` by default when berth runs as root.
   */
  elbHostsFile: string;
  /**
   * What serves load balancers' listeners: `haproxy` (Debian's HAProxy, driven by berth; the
   * default where it is installed) or `node` (berth's own proxy, in its process).
   */
  elbEngine: 'haproxy' | 'node';
  logLevel: LogLevel;
  /**
   * The state store: `sqlite` (`<data-dir>/berth.db`, the default) or `etcd://host:2379,...`, the
   * etcd cluster several berth servers share.
   */
  store?: string;
  /**
   * With etcd: the directory every server mounts (NFS, EFS): registry blobs and the sealing key
   * live there, so that whatever one server stored the others can serve.
   */
  sharedDir?: string;
}

/** The client URLs of an `etcd://host:port,host:port` store; undefined for anything else. */
export function etcdEndpoints(store: string | undefined): string[] | undefined {
  if (!store?.startsWith('etcd://')) return undefined;
  const hosts = store.slice('etcd://'.length).split(',');
  if (!hosts.every((h) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(h))) return undefined;
  return hosts.map((h) => `http://${h}`);
}

/** Whether a program is on the PATH (or in /usr/sbin, where Debian puts daemons). */
function onPath(program: string): boolean {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin'];
  return dirs.some((d) => {
    try {
      accessSync(join(d, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const defaults: BerthConfig = {
  port: 4566,
  host: '127.0.0.1',
  advertiseHost: 'localhost',
  dataDir: process.env.BERTH_DATA_DIR ?? join(homedir(), '.berth'),
  region: 'us-east-1',
  accountId: '000000000000',
  auth: 'open',
  registryAuth: true,
  createRepositoryOnPush: false,
  registryMaintenanceInterval: 3600,
  registryGcGrace: 3600,
  agentLostGrace: 60,
  spotWarning: 120,
  spotInterruptionRate: 0,
  targetTrackingAlarmPeriod: 60,
  containerInsightsInterval: 60,
  kubeHpaPeriod: 15,
  elbHostsFile: process.getuid?.() === 0 ? '/etc/hosts' : 'none',
  elbEngine: onPath('haproxy') ? 'haproxy' : 'node',
  logLevel: 'info',
};

export function validateConfig(c: BerthConfig): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) problems.push(`--port must be 0-65535, not ${c.port}`);
  if (!/^\d{12}$/.test(c.accountId)) problems.push(`--account-id must be 12 digits, not '${c.accountId}'`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(c.region))
    problems.push(`--region '${c.region}' is not a region name like us-east-1`);
  if (!(c.spotInterruptionRate >= 0)) problems.push('--spot-interruption-rate must be 0 or more');
  if (!(c.kubeHpaPeriod >= 1)) problems.push('--kube-hpa-period must be 1 or more');
  try {
    parsePrices(c.fargatePrices);
  } catch (e) {
    problems.push(`--fargate-prices: ${(e as Error).message}`);
  }
  if (c.auth !== 'open' && c.auth !== 'strict') problems.push(`--auth must be open or strict, not '${String(c.auth)}'`);
  if (c.store !== undefined && c.store !== 'sqlite') {
    if (!etcdEndpoints(c.store))
      problems.push(`--store must be sqlite or etcd://host:port[,host:port...], not '${c.store}'`);
    else if (!c.sharedDir) problems.push('--store etcd:// needs --shared-dir (the directory every server mounts)');
  }
  return problems;
}

/**
 * The key secret values are sealed under at rest (`<data-dir>/keys/secrets.key`, 32 bytes, only
 * root may read it), made on first start. The database alone does not open them.
 */
export function loadSealingKey(dataDir: string): Buffer {
  const path = join(dataDir, 'keys', 'secrets.key');
  if (!existsSync(path)) {
    mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
    // Servers sharing a directory may start together: the key is written whole under a name of
    // this process's, then linked into place, which fails if another's got there first. So no
    // server ever reads a key file still being written.
    const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(draft, randomBytes(32), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(draft, path);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(draft);
    }
  }
  const key = readFileSync(path);
  if (key.length !== 32) throw new Error(`${path} must hold a 32-byte key (it holds ${key.length} bytes)`);
  return key;
}

/**
 * This server's own name among servers that share state (`<data-dir>/server-id`, made once): the
 * event file it writes in the shared directory is named for it, so it is never another's.
 */
export function loadServerId(dataDir: string): string {
  const path = join(dataDir, 'server-id');
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, randomBytes(8).toString('hex'), { flag: 'wx' });
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
  }
  const id = readFileSync(path, 'utf8').trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new Error(`${path} must hold 1-64 letters, digits, '-' or '_'`);
  return id;
}

/** `<data-dir>/credentials`, in the AWS shared credentials file format, holds the keys strict mode accepts. */
export function credentialsPath(dataDir: string): string {
  return join(dataDir, 'credentials');
}

export function loadKeys(dataDir: string): Map<string, string> {
  const path = credentialsPath(dataDir);
  const keys = new Map<string, string>();
  if (!existsSync(path)) return keys;
  let id: string | undefined;
  let secret: string | undefined;
  const flush = () => {
    if (id && secret) keys.set(id, secret);
    id = secret = undefined;
  };
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const t = line.trim();
    if (t.startsWith('[')) flush();
    const m = /^(aws_access_key_id|aws_secret_access_key)\s*=\s*(\S+)$/.exec(t);
    if (m?.[1] === 'aws_access_key_id') id = m[2];
    if (m?.[1] === 'aws_secret_access_key') secret = m[2];
  }
  flush();
  return keys;
}
