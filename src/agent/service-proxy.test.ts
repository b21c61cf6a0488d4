import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { test } from 'node:test';
import type { Logger } from '../kernel/index.js';
import { ClusterDns } from './cluster-dns.js';
import { RCODE, readQuestion, writeAnswer } from './dns-message.js';
import { HostLease } from './host-lease.js';
import { ServiceProxy, withControlPlane } from './service-proxy.js';

const logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
} as unknown as Logger;

/** A DNS query for one name (A unless told), as a resolver sends it. */
function query(name: string, type = 1, id = 0x4242): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const header = Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, type, 0, 1])]);
}
const rcode = (m: Buffer) => (m[3] as number) & 0xf;
const answers = (m: Buffer) => m.readUInt16BE(6);

test('a DNS question is read with bounds checked, and anything but one plain question refused', () => {
  const q = readQuestion(query('Echo.Default.svc.cluster.local'));
  assert.equal(q?.name, 'echo.default.svc.cluster.local');
  assert.equal(q?.type, 1);
  const a = writeAnswer(q as NonNullable<typeof q>, RCODE.ok, ['10.96.1.2', '10.96.1.3']);
  assert.equal(a.readUInt16BE(0), 0x4242);
  assert.equal(answers(a), 2);
  assert.deepEqual([...a.subarray(a.length - 4)], [10, 96, 1, 3]);
  const good = query('a.b');
  assert.equal(readQuestion(good.subarray(0, good.length - 1)), undefined, 'truncated');
  const pointer = Buffer.from(good);
  pointer[12] = 0xc0;
  assert.equal(readQuestion(pointer), undefined, 'a compressed name');
  const two = Buffer.from(good);
  two[5] = 2;
  assert.equal(readQuestion(two), undefined, 'two questions');
  assert.equal(readQuestion(Buffer.alloc(600)), undefined, 'too long for UDP');
  const long = query(Array.from({ length: 5 }, () => 'x'.repeat(63)).join('.'));
  assert.equal(readQuestion(long), undefined, 'a name over 255 bytes');
});

test('the cluster DNS answers its zone from the routes, NXDOMAIN for unknown names, and passes the rest on', async (t) => {
  // An upstream resolver on loopback that answers every question with 192.0.2.1.
  const upstream = createSocket('udp4');
  upstream.on('message', (m, from) => {
    const q = readQuestion(m);
    if (q) upstream.send(writeAnswer(q, RCODE.ok, ['192.0.2.1']), from.port, from.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  t.after(() => upstream.close());
  const port = upstream.address().port;
  const dns = new ClusterDns(async () => ['127.0.0.1'], logger, port);
  t.after(() => dns.close());
  await dns.apply(
    {
      ip: '127.0.0.1',
      zone: 'cluster.local',
      records: [{ name: 'web.default.svc.cluster.local', ips: ['10.96.0.20'] }],
    },
    0,
  );
  const a = (await dns.answer(query('web.default.svc.cluster.local'))) as Buffer;
  assert.equal(rcode(a), RCODE.ok);
  assert.deepEqual([...a.subarray(a.length - 4)], [10, 96, 0, 20]);
  const aaaa = (await dns.answer(query('web.default.svc.cluster.local', 28))) as Buffer;
  assert.deepEqual([rcode(aaaa), answers(aaaa)], [RCODE.ok, 0], 'the name exists, with no IPv6 address');
  const nx = (await dns.answer(query('nope.default.svc.cluster.local'))) as Buffer;
  assert.equal(rcode(nx), RCODE.nameError);
  const out = (await dns.answer(query('example.org'))) as Buffer;
  assert.deepEqual([rcode(out), [...out.subarray(out.length - 4)]], [RCODE.ok, [192, 0, 2, 1]]);
  const bad = (await dns.answer(Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 9]))) as Buffer;
  assert.deepEqual([bad.readUInt16BE(0), rcode(bad)], [0x1234, RCODE.formatError]);
  assert.equal(await dns.answer(Buffer.from([0x12, 0x34, 0x81, 0x80, 0, 1])), undefined, 'a response is not answered');
});

const leaseName = () => `berth-test-lease-${process.pid}-${Math.random().toString(36).slice(2)}`;

async function backend(name: string): Promise<Server> {
  const s = createServer((c) => c.end(name));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return s;
}

const fetch = (port: number, host = '127.0.0.1') =>
  new Promise<string>((resolve) => {
    let out = '';
    const c = connect({ port, host });
    c.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', () => resolve(out));
    c.on('error', () => resolve(`error:${out}`));
  });

test('the proxy takes each virtual address, spreads connections over the backends in turn, and gives addresses back', async (t) => {
  const [a, b] = await Promise.all([backend('a'), backend('b')]);
  t.after(() => {
    a.close();
    b.close();
  });
  const taken: string[] = [];
  const addresses = {
    add: async (ip: string) => void taken.push(ip),
    remove: async (ip: string) => void taken.splice(taken.indexOf(ip), 1),
  };
  const dns = new ClusterDns(async () => [], logger, 53);
  const proxy = new ServiceProxy(addresses, dns, new HostLease(leaseName()), logger);
  t.after(() => proxy.close());
  // A free port for the virtual address (loopback stands in for a cluster IP here).
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.2', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const to = (s: Server) => ({ ip: '127.0.0.1', port: (s.address() as { port: number }).port });
  await proxy.apply({ virtual: [{ ip: '127.0.0.2', port, protocol: 'tcp', backends: [to(a), to(b)] }], hostPorts: [] });
  assert.deepEqual(taken, ['127.0.0.2']);
  const got = [await fetch(port, '127.0.0.2'), await fetch(port, '127.0.0.2'), await fetch(port, '127.0.0.2')];
  assert.deepEqual(got, ['a', 'b', 'a']);
  // No backends: the connection is refused (reset), not left hanging.
  await proxy.apply({ virtual: [{ ip: '127.0.0.2', port, protocol: 'tcp', backends: [] }], hostPorts: [] });
  assert.match(await fetch(port, '127.0.0.2'), /^(error:)?$/);
  await proxy.apply({ virtual: [], hostPorts: [] });
  assert.deepEqual(taken, []);
  assert.match(await fetch(port, '127.0.0.2'), /^error:/, 'the port is closed with the route gone');
});

test('a host lease is held by one holder at a time and free again once its holder lets go', async () => {
  const name = leaseName();
  const [a, b] = [new HostLease(name), new HostLease(name)];
  assert.equal(await a.acquire(), true);
  assert.equal(await a.acquire(), true, 'already held');
  assert.equal(await b.acquire(), false);
  a.release();
  assert.equal(await b.acquire(), true);
  assert.equal(await a.acquire(), false);
  b.release();
});

test('two agents on one host: one serves the service addresses, the other stands by and takes over when it stops', async (t) => {
  const web = await backend('web');
  t.after(() => web.close());
  const name = leaseName();
  const taken: string[][] = [[], []];
  const proxies = taken.map((list) => {
    const addresses = {
      add: async (ip: string) => void list.push(ip),
      remove: async (ip: string) => void list.splice(list.indexOf(ip), 1),
    };
    return new ServiceProxy(addresses, new ClusterDns(async () => [], logger), new HostLease(name), logger, 50);
  });
  const [first, second] = proxies as [ServiceProxy, ServiceProxy];
  t.after(() => Promise.all(proxies.map((p) => p.close())));
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.3', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const routes = {
    virtual: [
      {
        ip: '127.0.0.3',
        port,
        protocol: 'tcp' as const,
        backends: [{ ip: '127.0.0.1', port: (web.address() as { port: number }).port }],
      },
    ],
    hostPorts: [],
  };
  await first.apply(routes);
  await second.apply(routes);
  assert.deepEqual(taken, [['127.0.0.3'], []], 'the second agent takes no address while the first serves');
  assert.equal(await fetch(port, '127.0.0.3'), 'web');
  await first.close();
  assert.deepEqual(taken[0], []);
  for (let i = 0; i < 100 && !taken[1]?.length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(taken[1], ['127.0.0.3'], 'the second agent took over');
  assert.equal(await fetch(port, '127.0.0.3'), 'web');
  // With no routes left (no pods on its node) it lets the lease go.
  await second.apply({ virtual: [], hostPorts: [] });
  assert.deepEqual(taken[1], []);
  const other = new HostLease(name);
  assert.equal(await other.acquire(), true);
  other.release();
});

test('a control-plane backend becomes the server this agent is connected to, as it reaches it', () => {
  const routes = {
    virtual: [
      { ip: '10.96.0.1', port: 443, protocol: 'tcp' as const, backends: [{ ip: '', port: 0, controlPlane: true }] },
      { ip: '10.96.0.20', port: 80, protocol: 'tcp' as const, backends: [{ ip: '10.0.0.9', port: 8080 }] },
    ],
    hostPorts: [],
  };
  const local = withControlPlane(routes, 'http://localhost:4566');
  assert.deepEqual(local.virtual[0]?.backends, [{ ip: 'localhost', port: 4566 }]);
  assert.deepEqual(local.virtual[1]?.backends, [{ ip: '10.0.0.9', port: 8080 }]);
  assert.deepEqual(withControlPlane(routes, 'http://[::1]:9000').virtual[0]?.backends, [{ ip: '::1', port: 9000 }]);
  assert.deepEqual(withControlPlane(routes, 'https://berth.example').virtual[0]?.backends, [
    { ip: 'berth.example', port: 443 },
  ]);
});
