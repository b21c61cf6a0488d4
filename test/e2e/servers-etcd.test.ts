// e2e lane: shared — its servers run no task (--no-agent), so npm test runs it beside the files that do.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { startEtcdCluster, startEtcdServers, type EtcdCluster } from './etcd.js';
import { awsJson, sleep, type BerthProcess } from './harness.js';
import { buildBusyboxImage, skopeo, type OciImage } from './images.js';

/**
 * Three `berth up --store etcd://…` servers over a three-member etcd cluster and one shared
 * directory, as a team runs berth for a fleet: one account served by all three, the singleton
 * work on whichever leads, writes going on while servers and etcd members die.
 */
describe('three berth servers over a three-member etcd cluster', () => {
  let etcd: EtcdCluster;
  let image: OciImage;
  const shared = mkdtempSync(join(tmpdir(), 'berth-shared-'));
  const servers: BerthProcess[] = [];

  before(async () => {
    [etcd, image] = await Promise.all([startEtcdCluster(3), buildBusyboxImage({ files: { '/etc/three': 'servers' } })]);
    servers.push(...(await startEtcdServers(etcd, shared)));
  });

  after(async () => {
    for (const s of servers) await s.dispose();
    await etcd?.stop();
    image?.dispose();
    rmSync(shared, { recursive: true, force: true });
  });

  const aws = (s: BerthProcess) => awsJson(s.endpoint).aws;
  const service = async (s: BerthProcess, name: string) =>
    (await aws(s)(['ecs', 'describe-services', '--cluster', 'shop', '--services', name])).services[0];
  /** Polls `check` on a server until it holds (the singleton work runs on a 1 s loop). */
  const eventually = async (what: string, check: () => Promise<boolean>) => {
    for (let i = 0; i < 60; i++) {
      if (await check()) return;
      await sleep(500);
    }
    assert.fail(`${what}: not within 30 s\n${servers.map((s) => s.output().slice(-2000)).join('\n---\n')}`);
  };

  it('serves one account from every server: what one creates, the others describe the same', async () => {
    const [a, b, c] = servers as [BerthProcess, BerthProcess, BerthProcess];
    await aws(a)(['ecs', 'create-cluster', '--cluster-name', 'shop']);
    await aws(b)([
      'ecs',
      'register-task-definition',
      '--family',
      'web',
      '--container-definitions',
      JSON.stringify([{ name: 'app', image: 'busybox', memory: 64 }]),
    ]);
    await aws(c)([
      ...['ecs', 'create-service', '--cluster', 'shop', '--service-name', 'web'],
      ...['--task-definition', 'web', '--desired-count', '10'],
    ]);
    const seen = await Promise.all(servers.map((s) => service(s, 'web')));
    assert.equal(seen[0]?.desiredCount, 10);
    assert.match(seen[0]?.taskDefinition ?? '', /task-definition\/web:1$/);
    // Described alike by all three (the controller may write between two reads: compare the parts it does not touch).
    const stable = (x: Record<string, unknown>) => [
      x['serviceArn'],
      x['desiredCount'],
      x['taskDefinition'],
      x['createdAt'],
    ];
    assert.deepEqual(stable(seen[1]), stable(seen[0]));
    assert.deepEqual(stable(seen[2]), stable(seen[0]));
    // The service controller runs on the leader: with no container instance, it says why it places nothing.
    await eventually('the controller reports the service it cannot place', async () =>
      ((await service(b, 'web'))?.events ?? []).some((e: { message: string }) =>
        /unable to place a task/.test(e.message),
      ),
    );
  });

  it('serves another region from every server, apart from the default one', async () => {
    const [a, b, c] = servers as [BerthProcess, BerthProcess, BerthProcess];
    const west = (s: BerthProcess) => (args: string[]) => aws(s)([...args, '--region', 'eu-west-1']);
    await west(a)(['ecs', 'create-cluster', '--cluster-name', 'west']);
    const names = async (s: BerthProcess, region: 'eu-west-1' | 'us-east-1') =>
      ((await aws(s)(['ecs', 'list-clusters', '--region', region])).clusterArns as string[]).sort();
    assert.deepEqual(await names(b, 'eu-west-1'), [
      'arn:aws:ecs:eu-west-1:000000000000:cluster/default',
      'arn:aws:ecs:eu-west-1:000000000000:cluster/west',
    ]);
    assert.ok(!(await names(c, 'us-east-1')).some((n) => n.endsWith('/west')), 'not in the default region');
    await west(c)(['logs', 'create-log-group', '--log-group-name', '/west']);
    await west(c)(['logs', 'create-log-stream', '--log-group-name', '/west', '--log-stream-name', 's']);
    await west(a)([
      ...['logs', 'put-log-events', '--log-group-name', '/west', '--log-stream-name', 's'],
      ...['--log-events', JSON.stringify([{ timestamp: Date.now(), message: 'from the west' }])],
    ]);
    const got = await west(b)(['logs', 'get-log-events', '--log-group-name', '/west', '--log-stream-name', 's']);
    assert.deepEqual(
      got.events.map((e: { message: string }) => e.message),
      ['from the west'],
    );
    // Every server opens a region another began serving (its agents may connect anywhere): each
    // then has its event file for the region.
    await eventually('every server opened eu-west-1', async () => {
      const files = readdirSync(join(shared, 'logs', 'eu-west-1')).filter((f) => f.endsWith('.db'));
      return files.length === 3;
    });
  });

  it('pulls through one server an image pushed through another', async () => {
    const [a, b] = servers.map((s) => new URL(s.endpoint).host) as [string, string];
    const push = await skopeo(['copy', '--dest-tls-verify=false', image.ref, `docker://${a}/team/app:v1`]);
    assert.equal(push.code, 0, push.stderr);
    const raw = async (host: string) =>
      (await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${host}/team/app:v1`])).stdout;
    const manifest = await raw(a);
    assert.match(manifest, /"layers"/);
    assert.equal(await raw(b), manifest, 'the same manifest through the other server');
    const out = mkdtempSync(join(shared, 'pulled-'));
    const pull = await skopeo(['copy', '--src-tls-verify=false', `docker://${b}/team/app:v1`, `oci:${out}:v1`]);
    assert.equal(pull.code, 0, pull.stderr);
  });

  it('keeps log events out of etcd, in the shared directory, where every server reads them', async () => {
    const [a, b, c] = servers as [BerthProcess, BerthProcess, BerthProcess];
    await aws(a)(['logs', 'create-log-group', '--log-group-name', '/ecs/shop']);
    await aws(b)(['logs', 'create-log-stream', '--log-group-name', '/ecs/shop', '--log-stream-name', 'web/1']);
    const t = Date.now();
    const put = (s: BerthProcess, from: number, n: number) =>
      aws(s)([
        ...['logs', 'put-log-events', '--log-group-name', '/ecs/shop', '--log-stream-name', 'web/1'],
        ...[
          '--log-events',
          JSON.stringify(
            Array.from({ length: n }, (_, i) => ({ timestamp: t + 2 * (from + i), message: `line ${from + i}` })),
          ),
        ],
      ]);
    // Two servers write the same stream, their events interleaved in time.
    await put(a, 0, 50);
    await put(c, 50, 50);
    const got = await aws(b)([
      ...['logs', 'get-log-events', '--log-group-name', '/ecs/shop', '--log-stream-name', 'web/1'],
      '--start-from-head',
    ]);
    assert.deepEqual(
      got.events.map((e: { message: string }) => e.message),
      Array.from({ length: 100 }, (_, i) => `line ${i}`),
    );
    const filtered = await aws(c)([
      ...['logs', 'filter-log-events', '--log-group-name', '/ecs/shop', '--filter-pattern', '"line 9"'],
    ]);
    assert.deepEqual(
      filtered.events.map((e: { message: string }) => e.message),
      ['line 9', ...Array.from({ length: 10 }, (_, i) => `line ${90 + i}`)],
    );
    const client = new Etcd3({ hosts: etcd.endpoints });
    try {
      const keys = await client.getAll().prefix('/berth/').keys();
      assert.ok(
        keys.some((k) => k.includes('/t/logs.streams/')),
        'the stream’s record is in etcd',
      );
      assert.deepEqual(
        keys.filter((k) => k.includes('logs.events')),
        [],
        'no event is',
      );
    } finally {
      client.close();
    }
    assert.equal(readdirSync(join(shared, 'logs', 'us-east-1')).filter((f) => f.endsWith('.db')).length, 3);
  });

  it('goes on when a server is killed -9 (another takes the lead) and when the etcd leader is', async () => {
    const [first, b, c] = servers as [BerthProcess, BerthProcess, BerthProcess];
    // The first server started campaigned first and leads; kill -9 gives no chance to resign.
    first.child.kill('SIGKILL');
    await first.stop();
    await aws(b)([
      ...['ecs', 'create-service', '--cluster', 'shop', '--service-name', 'after'],
      ...['--task-definition', 'web', '--desired-count', '1'],
    ]);
    await eventually('a surviving server runs the controller for a service created after the kill', async () =>
      ((await service(c, 'after'))?.events ?? []).some((e: { message: string }) =>
        /unable to place a task/.test(e.message),
      ),
    );
    // The etcd leader dies: the two members left elect another, and writes go on.
    const leader = await etcd.leader();
    await leader.kill();
    await aws(c)(['ecs', 'update-service', '--cluster', 'shop', '--service', 'web', '--desired-count', '5']);
    assert.equal((await service(b, 'web'))?.desiredCount, 5);
  });
});
