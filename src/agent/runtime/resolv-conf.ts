import { readFile } from 'node:fs/promises';

/**
 * A task's /etc/resolv.conf, made as Docker makes a container's: the host's, with nameservers a
 * task's own network namespace cannot reach (loopback ones, such as systemd-resolved's
 * 127.0.0.53) replaced by the real upstream servers systemd-resolved keeps in
 * /run/systemd/resolve/resolv.conf, or by Docker's public fallback when there are none. A
 * container's own DNS servers and search domains replace the nameservers and search list.
 */
export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];
const HOST_FILE = '/etc/resolv.conf';
const RESOLVED_FILE = '/run/systemd/resolve/resolv.conf';

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.search = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

/** What a task in `mode` should use, from the host's files (read by `read`, for tests). */
export async function taskResolvConf(
  mode: string,
  read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<ResolvConf> {
  const host = parseResolvConf(await read(HOST_FILE).catch(() => ''));
  // A task on the host's network reaches whatever the host does.
  if (mode === 'host') return host.nameservers.length > 0 ? host : { ...host, nameservers: FALLBACK_NAMESERVERS };
  let servers = host.nameservers.filter((s) => !isLoopback(s));
  if (servers.length === 0 && host.nameservers.length > 0) {
    const upstream = parseResolvConf(await read(RESOLVED_FILE).catch(() => ''));
    servers = upstream.nameservers.filter((s) => !isLoopback(s));
  }
  return { ...host, nameservers: servers.length > 0 ? servers : FALLBACK_NAMESERVERS };
}

/** The file's text, with a container's own servers and search domains where it names them. */
export function renderResolvConf(
  base: ResolvConf,
  own: { servers?: string[]; searches?: string[]; options?: string[] } = {},
): string {
  const servers = own.servers?.length ? own.servers : base.nameservers;
  const search = own.searches?.length ? own.searches : base.search;
  const options = own.options?.length ? own.options : base.options;
  return [
    ...servers.map((s) => `nameserver ${s}`),
    ...(search.length ? [`search ${search.join(' ')}`] : []),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
    '',
  ].join('\n');
}
