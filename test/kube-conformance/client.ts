import { after, before } from 'node:test';
import { startBerth, type BerthProcess } from '../e2e/harness.js';

/**
 * The Kubernetes API as the conformance suite's clients use it: JSON over HTTP against a real
 * `berth up` (no agent: nothing runs on this host), each call answered with its status and body.
 */
export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects, read field by field
  warning: string | null;
}

export interface Api {
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<Answer>;
  /** The cluster's API root (`http://…/k8s/default`), for calls made otherwise (websockets). */
  base(): string;
  /** A call that must succeed (2xx): its body. */
  ok(method: string, path: string, body?: unknown, contentType?: string): Promise<Answer['body']>;
  /** A watch's events until `until` says it has seen enough (or `ms` pass). */
  watch(
    path: string,
    until: (events: { type: string; object: Answer['body'] }[]) => boolean,
    ms?: number,
  ): Promise<{ type: string; object: Answer['body'] }[]>;
}

/** A berth for one file's tests, started before them and stopped after. */
export function conformanceApi(): Api {
  let berth: BerthProcess | undefined;
  let base = '';
  before(async () => {
    berth = await startBerth({ args: ['--no-agent'] });
    base = `${berth.endpoint}/k8s/default`;
  });
  after(async () => berth?.dispose());
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': contentType, 'user-agent': 'e2e.test/v1.32.0 (linux/amd64) kubernetes/conformance' },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, warning: res.headers.get('warning') };
  };
  return {
    call,
    base: () => base,
    async ok(method, path, body, contentType) {
      const a = await call(method, path, body, contentType);
      if (a.status < 200 || a.status > 299) throw new Error(`${method} ${path}: ${a.status} ${JSON.stringify(a.body)}`);
      return a.body;
    },
    async watch(path, until, ms = 10_000) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), ms);
      const events: { type: string; object: Answer['body'] }[] = [];
      try {
        const res = await fetch(`${base}${path}${path.includes('?') ? '&' : '?'}watch=true`, { signal: ac.signal });
        const reader = res.body?.getReader();
        let buf = '';
        while (reader && !until(events)) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += Buffer.from(value).toString();
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (line) events.push(JSON.parse(line) as { type: string; object: Answer['body'] });
          }
        }
      } catch (e) {
        if (!ac.signal.aborted) throw e;
      } finally {
        clearTimeout(timer);
        ac.abort();
      }
      return events;
    },
  };
}

/** Polls until `check` holds (or fails with what it last saw). */
export async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`not met in ${ms} ms; last seen: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The kubelet's part where no agent runs: each pod of the selector reported Running and Ready
 * through the pods' status subresource, as a node would. Returns how many pods (not deleting) it saw.
 */
export async function kubeletReady(api: Api, selector: string): Promise<number> {
  const list = await api.ok('GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`);
  let n = 0;
  for (const p of list.items as {
    metadata: { name: string; deletionTimestamp?: string };
    status: { phase: string };
  }[]) {
    if (p.metadata.deletionTimestamp) continue;
    n++;
    if (p.status.phase === 'Running') continue;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await api.ok(
      'PATCH',
      `/api/v1/namespaces/default/pods/${p.metadata.name}/status`,
      {
        status: {
          phase: 'Running',
          conditions: [
            { type: 'Ready', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
          ],
        },
      },
      'application/merge-patch+json',
    );
  }
  return n;
}
