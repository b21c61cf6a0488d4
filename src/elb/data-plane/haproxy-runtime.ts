import net from 'node:net';
import type { RequestCounts } from './metrics.js';

/** Sends commands to HAProxy's runtime API and returns its answer. */
export function runtimeCommand(socket: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let out = '';
    c.setTimeout(timeoutMs, () => c.destroy(new Error(`HAProxy's runtime API did not answer '${command}'`)));
    c.on('connect', () => c.end(`${command}\n`));
    c.on('data', (d) => (out += d.toString()));
    c.on('close', () => resolve(out));
    c.on('error', reject);
  });
}

/**
 * Request counts from `show stat`'s CSV: each frontend's and backend's `req_tot` (its sessions
 * where it keeps no request count), by the listener key or target group ARN its proxy stands for.
 */
export function countsOf(
  csv: string,
  proxies: ReadonlyMap<string, { listener?: string; group?: string }>,
): RequestCounts {
  const listeners = new Map<string, number>();
  const groups = new Map<string, number>();
  const [header = '', ...rows] = csv.split('\n');
  const cols = header.replace(/^# /, '').split(',');
  const at = (name: string) => cols.indexOf(name);
  const [px, sv, req, sessions] = [at('pxname'), at('svname'), at('req_tot'), at('stot')];
  for (const row of rows) {
    const f = row.split(',');
    const kind = f[sv];
    if (kind !== 'FRONTEND' && kind !== 'BACKEND') continue;
    const p = proxies.get(f[px] ?? '');
    const n = Number(f[req] || f[sessions] || 0);
    if (kind === 'FRONTEND' && p?.listener) listeners.set(p.listener, n);
    if (kind === 'BACKEND' && p?.group) groups.set(p.group, n);
  }
  return { listeners, groups };
}

/**
 * Replaces a map's whole contents at once: a new version is prepared, filled, then committed, so
 * no request sees half of it. Lines go in batches that stay well inside HAProxy's command buffer.
 */
export async function replaceMap(socket: string, file: string, text: string): Promise<void> {
  const prepared = await runtimeCommand(socket, `prepare map ${file}`);
  const version = /New version created: (\d+)/.exec(prepared)?.[1];
  if (!version) throw new Error(`HAProxy did not prepare ${file}: ${prepared.trim().slice(0, 200)}`);
  let batch: string[] = [];
  let size = 0;
  const send = async () => {
    const answer = batch.length ? await runtimeCommand(socket, batch.join(';')) : '';
    if (answer.trim()) throw new Error(`HAProxy refused a line of ${file}: ${answer.trim().slice(0, 200)}`);
    [batch, size] = [[], 0];
  };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const command = `add map @${version} ${file} ${line}`;
    batch.push(command);
    size += command.length + 1;
    if (size > 4000) await send();
  }
  await send();
  const committed = await runtimeCommand(socket, `commit map @${version} ${file}`);
  if (committed.trim()) throw new Error(`HAProxy did not commit ${file}: ${committed.trim().slice(0, 200)}`);
}
