import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FALLBACK_NAMESERVERS, renderResolvConf, taskResolvConf } from './resolv-conf.js';

const files = (m: Record<string, string>) => async (p: string) => {
  const v = m[p];
  if (v === undefined) throw new Error('ENOENT');
  return v;
};

test("systemd-resolved's stub is replaced by its upstream servers; search and options kept", async () => {
  const read = files({
    '/etc/resolv.conf': 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp.example\n',
    '/run/systemd/resolve/resolv.conf': '# upstream\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n',
  });
  const r = await taskResolvConf('bridge', read);
  assert.deepEqual(r, {
    nameservers: ['10.0.0.2', '10.0.0.3'],
    search: ['corp.example'],
    options: ['edns0', 'trust-ad'],
  });
  assert.equal(
    renderResolvConf(r),
    'nameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp.example\noptions edns0 trust-ad\n',
  );
  assert.deepEqual((await taskResolvConf('host', read)).nameservers, ['127.0.0.53'], 'host mode reaches the stub');
});

test('reachable host servers are kept; only loopback and nothing at all fall back', async () => {
  assert.deepEqual(
    (await taskResolvConf('awsvpc', files({ '/etc/resolv.conf': 'nameserver 127.0.0.1\nnameserver 192.0.2.53\n' })))
      .nameservers,
    ['192.0.2.53'],
  );
  assert.deepEqual(
    (await taskResolvConf('bridge', files({ '/etc/resolv.conf': 'nameserver ::1\n' }))).nameservers,
    FALLBACK_NAMESERVERS,
  );
  assert.deepEqual((await taskResolvConf('bridge', files({}))).nameservers, FALLBACK_NAMESERVERS);
});

test("a container's dnsServers and dnsSearchDomains replace the host's", () => {
  const base = { nameservers: ['10.0.0.2'], search: ['corp.example'], options: ['ndots:2'] };
  assert.equal(
    renderResolvConf(base, { servers: ['10.9.9.9'], searches: ['svc.local', 'local'] }),
    'nameserver 10.9.9.9\nsearch svc.local local\noptions ndots:2\n',
  );
});
