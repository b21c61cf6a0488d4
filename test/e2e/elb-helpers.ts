import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AgentFixture } from './agent-fixture.js';
import { awsJson } from './harness.js';

// Each task serves its own task ARN (read from the task metadata endpoint) at / and /api/.
export const serveTaskArn = (prefix: string) =>
  'mkdir -p /www/api; ' +
  `until busybox wget -q -O /www/task.json "$ECS_CONTAINER_METADATA_URI_V4/task"; do sleep 0.2; done; ` +
  `echo "${prefix}$(sed -n 's/.*"TaskARN":"\\([^"]*\\)".*/\\1/p' /www/task.json)" > /www/index.html; ` +
  "cp /www/index.html /www/api/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait";

/** A bridge-mode container that serves `serveTaskArn(prefix)` on a dynamic host port. */
export const webContainer = (f: AgentFixture, prefix: string) => ({
  name: 'main',
  image: f.imageUri,
  memory: 32,
  stopTimeout: 2,
  portMappings: [{ containerPort: 8080, hostPort: 0 }],
  command: ['sh', '-c', serveTaskArn(prefix)],
});

/** Removes the block a berth left in /etc/hosts if it could not (a failed test must leave none). */
export function cleanHosts(dataDir: string): void {
  const text = readFileSync('/etc/hosts', 'utf8');
  const begin = text.indexOf(`# begin berth ${dataDir} `);
  if (begin < 0) return;
  const endMark = text.indexOf('# end berth ', begin);
  const end = text.indexOf('\n', endMark) + 1;
  writeFileSync('/etc/hosts', text.slice(0, begin) + text.slice(end));
}

/** The AWS CLI against a fixture's berth: `aws` must succeed (parsed JSON), `refused` must fail (its stderr). */
export function cliOf(f: AgentFixture) {
  const { aws, refused } = awsJson(f.berth.endpoint);
  /** A listener of a load balancer, with its default actions (CLI shorthand). */
  const listener = async (
    lbArn: string,
    protocol: string,
    port: number,
    defaultActions: string,
    extra: string[] = [],
  ) =>
    (
      await aws([
        'elbv2',
        'create-listener',
        '--load-balancer-arn',
        lbArn,
        '--protocol',
        protocol,
        '--port',
        String(port),
        ...extra,
        '--default-actions',
        defaultActions,
      ])
    ).Listeners[0].ListenerArn as string;
  /** An HTTP target group checked every 5 s (2 s timeout, 2 checks either way). */
  const targetGroup = async (name: string) =>
    (
      await aws([
        'elbv2',
        'create-target-group',
        '--name',
        name,
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--health-check-interval-seconds',
        '5',
        '--health-check-timeout-seconds',
        '2',
        '--healthy-threshold-count',
        '2',
        '--unhealthy-threshold-count',
        '2',
      ])
    ).TargetGroups[0].TargetGroupArn as string;
  /** Waits for `n` healthy targets in a group. */
  const healthy = async (tg: string, n: number) => {
    for (let i = 0; i < 90; i++) {
      const h = (await aws(['elbv2', 'describe-target-health', '--target-group-arn', tg])).TargetHealthDescriptions as {
        TargetHealth: { State: string };
      }[];
      if (h.filter((x) => x.TargetHealth.State === 'healthy').length === n) return h;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.fail(`${n} healthy targets in ${tg}`);
  };
  return { aws, refused, listener, targetGroup, healthy };
}

/** One GET through a load balancer: the body of a 200, else the status (or error) as an error entry. */
export async function fetchOnce(url: string): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = (await r.text()).trim();
    return r.status === 200 ? { ok: true, text } : { ok: false, error: `${r.status} ${text}` };
  } catch (e) {
    return { ok: false, error: String(e) };
  }
}
