import { FIRST_POLL_MS } from '../task-start/common.js';

/** A light Kubernetes client for the bench: fetch and JSON, nothing between the clock and berth. */
export class KubeApi {
  constructor(private readonly base: string) {}

  static of(endpoint: string): KubeApi {
    return new KubeApi(`${endpoint}/k8s/default`);
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, accept?: string): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(accept ? { accept } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** A pod of `image` that sleeps (as the ECS side's tasks do); `extra` is merged into its spec. */
  pod(name: string, image: string, command: string[], extra: Record<string, unknown> = {}) {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { bench: 'kube' } },
      spec: {
        terminationGracePeriodSeconds: 0,
        restartPolicy: 'Never',
        containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command }],
        ...extra,
      },
    };
  }

  create(ns: string, pod: object): Promise<unknown> {
    return this.call('POST', `/api/v1/namespaces/${ns}/pods`, pod);
  }

  /** Waits until every pod named is Running, polling every `pollMs` (the first time after FIRST_POLL_MS). */
  async untilRunning(ns: string, names: string[], pollMs: number, firstPollMs = FIRST_POLL_MS): Promise<void> {
    const left = new Set(names);
    if (firstPollMs > 0) await new Promise((r) => setTimeout(r, firstPollMs));
    for (;;) {
      if (left.size === 1) {
        const [name] = left;
        const p = await this.call<{ status?: { phase?: string } }>('GET', `/api/v1/namespaces/${ns}/pods/${name}`);
        this.check(name as string, p.status?.phase);
        if (p.status?.phase === 'Running') return;
      } else {
        const list = await this.call<{ items: { metadata: { name: string }; status?: { phase?: string } }[] }>(
          'GET',
          `/api/v1/namespaces/${ns}/pods?labelSelector=bench%3Dkube`,
        );
        for (const p of list.items) {
          this.check(p.metadata.name, p.status?.phase);
          if (p.status?.phase === 'Running') left.delete(p.metadata.name);
        }
        if (left.size === 0) return;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private check(name: string, phase: string | undefined): void {
    if (phase === 'Failed' || phase === 'Succeeded') throw new Error(`pod ${name} ended: ${phase}`);
  }

  /** Deletes the bench's pods in `ns` and waits until they are gone. */
  async deleteAll(ns: string): Promise<void> {
    await this.call('DELETE', `/api/v1/namespaces/${ns}/pods?labelSelector=bench%3Dkube`).catch(async () => {
      // Without deletecollection: one by one.
      const list = await this.call<{ items: { metadata: { name: string } }[] }>(
        'GET',
        `/api/v1/namespaces/${ns}/pods?labelSelector=bench%3Dkube`,
      );
      for (let i = 0; i < list.items.length; i += 50)
        await Promise.all(
          list.items
            .slice(i, i + 50)
            .map((p) => this.call('DELETE', `/api/v1/namespaces/${ns}/pods/${p.metadata.name}`).catch(() => undefined)),
        );
    });
    for (let i = 0; i < 600; i++) {
      const list = await this.call<{ items: unknown[] }>(
        'GET',
        `/api/v1/namespaces/${ns}/pods?labelSelector=bench%3Dkube`,
      );
      if (list.items.length === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`pods in ${ns} not gone`);
  }
}
