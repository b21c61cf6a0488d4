import { existsSync, readFileSync } from 'node:fs';
import type { ContainerSpec } from '../../wire/index.js';
import { rootOverlayMount, type RootOverlay } from './rootfs.js';
import { runtimeDefaultSeccomp } from './seccomp.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- an OCI config.json, built as plain JSON */

let nofile: number | undefined;
/** The agent's own open-file limit (read once: it is the limit the agent was started with). */
function hostNofile(): number {
  nofile ??= readNofile();
  return nofile;
}

function readNofile(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const hard = Number(line?.trim().split(/\s+/)[4]);
  return Number.isFinite(hard) && hard > 0 ? hard : 1024;
}
type Json = Record<string, any>;

/** The init a container with `security.init` gets at /dev/init: Debian's static tini. */
function initBinary(): string {
  const found = ['/usr/bin/tini-static', '/usr/bin/docker-init'].find((p) => existsSync(p));
  if (!found)
    throw new Error('an init process needs tini-static, which is not installed (scripts/install.sh installs it)');
  return found;
}

// Docker's default capability set, which containers get unless their security context changes it.
const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export interface SpecInput {
  container: ContainerSpec;
  image: { Env?: string[]; Cmd?: string[]; Entrypoint?: string[]; WorkingDir?: string; User?: string };
  user: { uid: number; gid: number };
  hostname: string;
  /** A network namespace to join; undefined with `host` shares the host's, with `none` makes a new one. */
  netnsPath?: string;
  network: string;
  cgroupsPath: string;
  /** Files bind-mounted read-only over the rootfs (hosts, resolv.conf, hostname). */
  etcFiles: { path: string; source: string }[];
  /** Variables the platform sets in every container (AWS_EXECUTION_ENV, AWS_REGION, …). */
  platformEnv?: Record<string, string>;
  /** The workload's own address, for the variables that carry it (addressEnv). */
  address?: string;
  /** Host paths bound into the container: volumes' mount points. */
  binds: { destination: string; source: string; readOnly: boolean }[];
  /** The image's overlay, for the runtime to mount over the root first; absent when it is mounted on the host. */
  rootOverlay?: RootOverlay;
}

/**
 * The process arguments: command and args replace the image's Entrypoint and Cmd, as Docker and
 * Kubernetes merge them (a command without args drops the image's Cmd too).
 */
export function processArgs(c: Pick<ContainerSpec, 'command' | 'args'>, image: SpecInput['image']): string[] {
  const entry: string[] = c.command ?? image.Entrypoint ?? [];
  const cmd: string[] = c.args ?? (c.command ? [] : (image.Cmd ?? []));
  return [...entry, ...cmd];
}

function capName(c: string): string {
  return c.startsWith('CAP_') ? c : `CAP_${c}`;
}

/** An OCI runtime spec (config.json) for one container of a task. */
export function buildSpec(s: SpecInput): Json {
  const c = s.container;
  const args = processArgs(c, s.image);
  if (args.length === 0) throw new Error(`container ${c.name}: no command, and the image has no Entrypoint or Cmd`);
  const env = new Map<string, string>();
  for (const e of s.image.Env ?? []) {
    const i = e.indexOf('=');
    env.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  if (!env.has('PATH')) env.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  // What the platform gives every container, before the container's own environment.
  for (const [k, v] of Object.entries(s.platformEnv ?? {})) env.set(k, v);
  for (const e of c.env) env.set(e.name, e.value);
  for (const name of c.addressEnv ?? []) if (s.address) env.set(name, s.address);
  // Secrets last, as ECS sets them over the container's environment.
  for (const e of c.secretEnv ?? []) if (e.value !== undefined) env.set(e.name, e.value);
  env.set('HOSTNAME', s.hostname);
  const sec = c.security;
  if (sec.runAsNonRoot) checkNonRoot(c, s);
  let caps = sec.privileged ? ALL_CAPS : DEFAULT_CAPS;
  caps = caps.filter((x) => !sec.capDrop.map(capName).includes(x) && !sec.capDrop.includes('ALL'));
  caps = [...new Set([...caps, ...sec.capAdd.map(capName)])];
  const memory: Json = {};
  if (c.resources.memoryLimitBytes) memory.limit = c.resources.memoryLimitBytes;
  if (c.resources.memoryReservationBytes) memory.reservation = c.resources.memoryReservationBytes;
  const cpu: Json = { shares: Math.max(2, c.resources.cpuShares) };
  const namespaces: Json[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (s.network !== 'host') namespaces.push(s.netnsPath ? { type: 'network', path: s.netnsPath } : { type: 'network' });
  const shmBytes = sec.sharedMemoryBytes ?? 64 * 1024 * 1024;
  const mounts: Json[] = [
    ...(s.rootOverlay ? [rootOverlayMount(s.rootOverlay)] : []),
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmBytes}`],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ...sec.tmpfs.map((t) => ({
      destination: t.path,
      type: 'tmpfs',
      source: 'tmpfs',
      options: [...t.options, `size=${t.sizeBytes / (1024 * 1024)}m`],
    })),
    ...s.etcFiles.map((f) => ({ destination: f.path, type: 'bind', source: f.source, options: ['rbind', 'ro'] })),
    // As Docker's --init: a static tini (it runs in any image, libc or none) as the container's PID 1.
    ...(sec.init ? [{ destination: '/dev/init', type: 'bind', source: initBinary(), options: ['bind', 'ro'] }] : []),
    ...s.binds.map((b) => ({
      destination: b.destination,
      type: 'bind',
      source: b.source,
      options: ['rbind', b.readOnly ? 'ro' : 'rw'],
    })),
  ];
  const rlimits = sec.rlimits.map((u) => ({ type: `RLIMIT_${u.name.toUpperCase()}`, hard: u.hard, soft: u.soft }));
  // Containers inherit the agent's open-file limit unless they ask for another: a container may
  // not exceed what its runtime itself was given.
  if (!rlimits.some((r) => r.type === 'RLIMIT_NOFILE')) {
    rlimits.push({ type: 'RLIMIT_NOFILE', hard: hostNofile(), soft: hostNofile() });
  }
  return {
    ociVersion: '1.0.2',
    process: {
      // A terminal's other end is conmon's (given -t): attached clients read and write it.
      terminal: c.stdio?.tty === true,
      user: {
        uid: s.user.uid,
        gid: s.user.gid,
        ...(sec.additionalGids?.length ? { additionalGids: sec.additionalGids } : {}),
      },
      args: sec.init ? ['/dev/init', '--', ...args] : args,
      env: [...env].map(([k, v]) => `${k}=${v}`),
      // An empty working directory means unset (runc refuses "Cwd property must not be empty").
      cwd: c.workingDir || s.image.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits,
      noNewPrivileges: sec.noNewPrivileges === true,
    },
    root: { path: 'rootfs', readonly: sec.readonlyRootfs },
    hostname: s.hostname,
    mounts,
    annotations: { ...c.labels },
    linux: {
      namespaces,
      cgroupsPath: s.cgroupsPath,
      // A privileged container runs unconfined, as containerd and CRI-O run it.
      ...(sec.seccomp === 'runtime-default' && !sec.privileged ? { seccomp: runtimeDefaultSeccomp(caps) } : {}),
      resources: { devices: [{ allow: false, access: 'rwm' }], memory, cpu },
      maskedPaths: sec.privileged
        ? []
        : [
            '/proc/acpi',
            '/proc/kcore',
            '/proc/keys',
            '/proc/latency_stats',
            '/proc/timer_list',
            '/proc/timer_stats',
            '/proc/sched_debug',
            '/sys/firmware',
            '/proc/scsi',
          ],
      readonlyPaths: sec.privileged
        ? []
        : ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/**
 * The kubelet's runAsNonRoot check: the user the container runs as must be known not to be root
 * (a user name the image maps is not trusted to be: the kubelet asks for a numeric one).
 */
function checkNonRoot(c: SpecInput['container'], s: SpecInput): void {
  const pod = c.labels['io.kubernetes.pod.name'];
  const where = pod
    ? ` (pod: "${pod}_${c.labels['io.kubernetes.pod.namespace'] ?? ''}", container: ${c.name})`
    : ` (container: ${c.name})`;
  const named = (c.user ?? s.image.User ?? '').split(':')[0] ?? '';
  if (named !== '' && !/^\d+$/.test(named))
    throw new Error(
      `container has runAsNonRoot and image has non-numeric user (${named}), cannot verify user is non-root${where}`,
    );
  if (s.user.uid === 0) throw new Error(`container has runAsNonRoot and image will run as root${where}`);
}

const ALL_CAPS = [
  ...DEFAULT_CAPS,
  'CAP_DAC_READ_SEARCH',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_LEASE',
  'CAP_AUDIT_CONTROL',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
];
