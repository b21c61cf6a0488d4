import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitUntilTasksStopped } from '@aws-sdk/client-ecs';
import { startAgentFixture, waitOpts, type AgentFixture } from './agent-fixture.js';
import { buildLayoutImage } from './images.js';

/** What the AWS tutorials' tasks need before anything else: images as docker build writes them, localhost. */
describe('tasks as the tutorials run them', () => {
  let fx: AgentFixture;
  before(async () => {
    fx = await startAgentFixture();
  });
  after(() => fx.dispose());

  it("runs an image whose config is docker build's, with empty WorkingDir and User and null Entrypoint", async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-dockerbuild-'));
    mkdirSync(join(root, 'bin'));
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
    symlinkSync('busybox', join(root, 'bin', 'sh'));
    const layer = execFileSync('tar', ['-C', root, '-cf', '-', 'bin'], { maxBuffer: 64 * 1024 * 1024 });
    const image = buildLayoutImage([layer], [], {
      Hostname: '',
      Domainname: '',
      User: '',
      AttachStdin: false,
      Tty: false,
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh', '-c', 'echo "pwd=$(pwd) uid=$(/bin/busybox id -u)"'],
      Image: '',
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      OnBuild: null,
      Labels: null,
    });
    try {
      const uri = await fx.push(image.ref, 'e2e/docker-build');
      await fx.register('docker-build', [{ name: 'app', image: uri, memory: 16 }], ['--network-mode', 'none']);
      const arn = await fx.runTask('docker-build');
      await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
      const t = await fx.describe(arn);
      assert.equal(t.containers[0].exitCode, 0, JSON.stringify(t));
      assert.equal((await fx.logs(arn, 'app')).stdout, 'pwd=/ uid=0\n');
    } finally {
      image.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("pulls berth's own images under the names users copy: 127.0.0.1:<port> and the account's ECR host", async () => {
    const [host, ...path] = fx.imageUri.split('/');
    const port = (host as string).split(':')[1];
    const repo = path.join('/');
    for (const [family, image] of [
      ['by-loopback-ip', `127.0.0.1:${port}/${repo}`],
      ['by-ecr-host', `000000000000.dkr.ecr.us-east-1.amazonaws.com/${repo}`],
    ] as const) {
      await fx.register(
        family,
        [{ name: 'app', image, memory: 16, command: ['sh', '-c', 'echo pulled'] }],
        ['--network-mode', 'none'],
      );
      const arn = await fx.runTask(family);
      await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
      const t = await fx.describe(arn);
      assert.equal(t.containers[0].exitCode, 0, JSON.stringify(t));
      assert.equal((await fx.logs(arn, 'app')).stdout, 'pulled\n');
    }
  });

  it("resolves names inside a task: the host's servers by default, a container's dnsServers when it names them", async () => {
    // A one-record DNS server on the host, reached from the task over the berth bridge's gateway.
    const server = createSocket('udp4');
    server.on('message', (q, from) => {
      const qEnd = q.indexOf(0, 12) + 5; // the question: its name, then type and class
      const isA = q.readUInt16BE(qEnd - 4) === 1;
      const head = Buffer.from([q[0] as number, q[1] as number, 0x81, 0x80, 0, 1, 0, isA ? 1 : 0, 0, 0, 0, 0]);
      const answer = isA ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 123]) : Buffer.alloc(0);
      server.send(Buffer.concat([head, q.subarray(12, qEnd), answer]), from.port, from.address);
    });
    await new Promise<void>((resolve) => server.bind(53, '0.0.0.0', resolve));
    try {
      await fx.register(
        'dns',
        [
          {
            name: 'own',
            image: fx.imageUri,
            memory: 16,
            essential: false,
            dnsServers: ['172.29.0.1'],
            dnsSearchDomains: ['berth.test'],
            command: ['sh', '-c', 'cat /etc/resolv.conf; nslookup app 2>&1 | grep -c 192.0.2.123'],
          },
          { name: 'default', image: fx.imageUri, memory: 16, command: ['sh', '-c', 'cat /etc/resolv.conf; sleep 3'] },
        ],
        ['--network-mode', 'bridge'],
      );
      const arn = await fx.runTask('dns');
      await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
      const own = (await fx.logs(arn, 'own')).stdout;
      assert.match(own, /^nameserver 172\.29\.0\.1\nsearch berth\.test\n/);
      assert.match(own, /^[1-9]\n?$/m, `the lookup of app.berth.test reached the server:\n${own}`);
      const hostServers = readFileSync('/etc/resolv.conf', 'utf8')
        .split('\n')
        .map((l) => /^nameserver\s+(\S+)/.exec(l)?.[1])
        .filter((ip): ip is string => ip !== undefined && !ip.startsWith('127.') && ip !== '::1');
      const dflt = (await fx.logs(arn, 'default')).stdout;
      assert.doesNotMatch(dflt, /nameserver 127\./, 'no loopback nameserver, unreachable from the task');
      for (const ip of hostServers) assert.match(dflt, new RegExp(`nameserver ${ip.replace(/\./g, '\\.')}`));
    } finally {
      server.close();
    }
  });

  for (const mode of ['bridge', 'awsvpc'] as const) {
    it(`reaches localhost inside a ${mode} task`, async () => {
      await fx.register(
        `lo-${mode}`,
        [
          {
            name: 'probe',
            image: fx.imageUri,
            memory: 16,
            command: [
              'sh',
              '-c',
              'mkdir -p /www && echo local > /www/index.html && httpd -p 127.0.0.1:8080 -h /www && sleep 0.3 && wget -qO- http://localhost:8080/',
            ],
          },
        ],
        ['--network-mode', mode],
      );
      const arn = await fx.runTask(
        `lo-${mode}`,
        mode === 'awsvpc' ? ['--network-configuration', 'awsvpcConfiguration={subnets=[subnet-lo]}'] : [],
      );
      await waitUntilTasksStopped(waitOpts(fx, 90), { tasks: [arn] });
      const t = await fx.describe(arn);
      assert.equal(t.containers[0].exitCode, 0, JSON.stringify(t.containers[0]));
      assert.equal((await fx.logs(arn, 'probe')).stdout, 'local\n');
    });
  }
});

describe('berth up with its agent connected', () => {
  it('stops cleanly on SIGTERM sent to it and its agent: every session ends before the store closes', async () => {
    const fx = await startAgentFixture();
    try {
      await fx.register(
        'idle',
        [{ name: 'a', image: fx.imageUri, memory: 16, command: ['sleep', '600'] }],
        ['--network-mode', 'none'],
      );
      await fx.runTask('idle');
      // As Ctrl-C does: the signal reaches berth and its agent process together, so the agent's
      // connection closes while berth is stopping.
      const children = execFileSync('pgrep', ['-P', String(fx.berth.child.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number);
      for (const pid of children) process.kill(pid, 'SIGTERM');
      fx.berth.child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => fx.berth.child.once('exit', (c) => resolve(c)));
      assert.equal(code, 0, fx.berth.output());
      assert.match(fx.berth.output(), /berth: stopped/);
      assert.doesNotMatch(fx.berth.output(), /TypeError|database connection is not open/);
    } finally {
      await fx.dispose();
    }
  });
});
