import http from 'node:http';
import net from 'node:net';
import type { HealthCheck, TargetState } from '../tables.js';
import { TARGET_REASONS } from '../targets.js';

export interface CheckedTarget {
  key: string;
  address: string;
  /** The traffic port (the health check's port unless it names one). */
  port: number;
  state: TargetState;
  check: HealthCheck;
}

export type Verdict = { ok: true } | { ok: false; why: readonly [string, string] };

/** One health check, as ELB makes it: a GET of the path (codes per the matcher) or a TCP connect. */
export function checkOnce(t: CheckedTarget): Promise<Verdict> {
  const port = t.check.port === 'traffic-port' ? t.port : Number(t.check.port);
  const ms = t.check.timeoutSeconds * 1000;
  return new Promise((resolve) => {
    if (t.check.protocol === 'TCP' || t.check.protocol === 'TLS') {
      const s = net.connect({ host: t.address, port, timeout: ms });
      s.once('connect', () => {
        s.destroy();
        resolve({ ok: true });
      });
      s.once('timeout', () => {
        s.destroy();
        resolve({ ok: false, why: TARGET_REASONS.timeout });
      });
      s.once('error', () => resolve({ ok: false, why: TARGET_REASONS.failed }));
      return;
    }
    const req = http.get(
      {
        host: t.address,
        port,
        path: t.check.path ?? '/',
        agent: false,
        timeout: ms,
        headers: { 'user-agent': 'ELB-HealthChecker/2.0', connection: 'close' },
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(
          codeMatches(t.check.matcher ?? '200', code)
            ? { ok: true }
            : { ok: false, why: ['Target.ResponseCodeMismatch', `Health checks failed with these codes: [${code}]`] },
        );
      },
    );
    req.once('timeout', () => {
      req.destroy();
      resolve({ ok: false, why: TARGET_REASONS.timeout });
    });
    req.once('error', () => resolve({ ok: false, why: TARGET_REASONS.failed }));
  });
}

/** `200`, `200,202`, `200-299`. */
export function codeMatches(matcher: string, code: number): boolean {
  return matcher.split(',').some((part) => {
    const [lo, hi] = part.split('-').map(Number);
    return hi === undefined ? code === lo : code >= (lo as number) && code <= hi;
  });
}

interface Running {
  target: CheckedTarget;
  timer: NodeJS.Timeout;
  successes: number;
  failures: number;
  busy: boolean;
}

/**
 * Checks each target at its group's interval from the moment it is seen, and reports a new state
 * as ELB decides it: one pass makes a new target healthy (ELB's rule), the group's thresholds of
 * consecutive passes or failures move it between healthy and unhealthy.
 */
export class HealthChecker {
  private readonly running = new Map<string, Running>();

  constructor(private readonly report: (key: string, state: TargetState, why?: readonly [string, string]) => void) {}

  /** The targets to check now; others stop being checked. */
  sync(list: readonly CheckedTarget[]): void {
    const want = new Map(list.map((t) => [t.key, t]));
    for (const [key, r] of this.running) {
      const t = want.get(key);
      if (!t || JSON.stringify(t.check) !== JSON.stringify(r.target.check) || t.address !== r.target.address) {
        clearInterval(r.timer);
        this.running.delete(key);
      } else r.target = t;
    }
    for (const t of list) {
      if (this.running.has(t.key)) continue;
      const r: Running = {
        target: t,
        successes: 0,
        failures: 0,
        busy: false,
        timer: setInterval(() => void this.run(r), t.check.intervalSeconds * 1000),
      };
      r.timer.unref();
      this.running.set(t.key, r);
      void this.run(r);
    }
  }

  private async run(r: Running): Promise<void> {
    if (r.busy) return;
    r.busy = true;
    const v = await checkOnce(r.target);
    r.busy = false;
    if (this.running.get(r.target.key) !== r) return;
    const { state, check } = r.target;
    if (v.ok) {
      r.failures = 0;
      r.successes++;
      if (state === 'initial' || (state === 'unhealthy' && r.successes >= check.healthyThreshold))
        this.report(r.target.key, 'healthy');
    } else {
      r.successes = 0;
      r.failures++;
      if (r.failures >= check.unhealthyThreshold && state !== 'unhealthy')
        this.report(r.target.key, 'unhealthy', v.why);
      else if (state === 'unhealthy') this.report(r.target.key, 'unhealthy', v.why);
    }
  }

  stop(): void {
    for (const r of this.running.values()) clearInterval(r.timer);
    this.running.clear();
  }
}
