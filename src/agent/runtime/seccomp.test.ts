import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ContainerSpec } from '../../wire/index.js';
import { containerSpec } from '../test-twins.js';
import { buildSpec } from './oci-spec.js';
import { DEFAULT_PROFILE_PATH, runtimeDefaultSeccomp } from './seccomp.js';

const profile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [], includes: {}, excludes: {} },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
    { names: ['arm_fadvise64_64'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
    { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
    { names: ['chroot'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_CHROOT'] } },
    {
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }],
    },
  ],
};

test('the default profile is turned into the runtime’s, its rules chosen by capabilities and architecture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-seccomp-'));
  try {
    const path = join(dir, 'seccomp.json');
    writeFileSync(path, JSON.stringify(profile));
    const names = (s: ReturnType<typeof runtimeDefaultSeccomp>) =>
      s.syscalls.map((r) => `${r.names.join(',')}:${r.action}`);
    const withChroot = runtimeDefaultSeccomp(['CAP_SYS_CHROOT'], path, 'x64');
    assert.equal(withChroot.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(withChroot.defaultErrnoRet, 38);
    assert.deepEqual(withChroot.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.deepEqual(names(withChroot), [
      'read,write:SCMP_ACT_ALLOW',
      'arch_prctl:SCMP_ACT_ALLOW',
      'chroot:SCMP_ACT_ALLOW',
      'personality:SCMP_ACT_ALLOW',
    ]);
    assert.deepEqual(withChroot.syscalls[3]?.args, [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }]);
    const without = runtimeDefaultSeccomp([], path, 'x64');
    assert.deepEqual(names(without).slice(2, 3), ['chroot:SCMP_ACT_ERRNO']);
    assert.equal(without.syscalls[2]?.errnoRet, 1);
    assert.deepEqual(names(runtimeDefaultSeccomp([], path, 'arm64')).slice(1, 2), ['arm_fadvise64_64:SCMP_ACT_ALLOW']);
    assert.throws(
      () => runtimeDefaultSeccomp([], join(dir, 'missing.json')),
      /install the golang-github-containers-common package/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const base = {
  image: { Env: ['PATH=/bin'] },
  user: { uid: 1000, gid: 1000 },
  hostname: 'h',
  network: 'none',
  cgroupsPath: '/berth/x',
  etcFiles: [],
  binds: [],
};
type Built = { process: { noNewPrivileges: boolean }; linux: { seccomp?: { syscalls: unknown[] } } };
const build = (security: Partial<ContainerSpec['security']>, user = base.user, image = base.image) =>
  buildSpec({
    ...base,
    user,
    image,
    container: containerSpec({
      name: 'main',
      args: ['true'],
      labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default' },
      security: { ...containerSpec({ name: 'x' }).security, ...security },
    }),
  }) as Built;

test('a container gets no-new-privileges and the default seccomp filter when asked, and runs as root only when allowed', (t) => {
  assert.equal(build({}).process.noNewPrivileges, false);
  assert.equal(build({}).linux.seccomp, undefined, 'unconfined unless asked');
  assert.equal(build({ noNewPrivileges: true }).process.noNewPrivileges, true);
  assert.throws(
    () => build({ runAsNonRoot: true }, { uid: 0, gid: 0 }),
    /^Error: container has runAsNonRoot and image will run as root \(pod: "web_default", container: main\)$/,
  );
  assert.throws(
    () =>
      build({ runAsNonRoot: true }, { uid: 65534, gid: 65534 }, { ...base.image, User: 'nobody' } as typeof base.image),
    /container has runAsNonRoot and image has non-numeric user \(nobody\), cannot verify user is non-root/,
  );
  assert.doesNotThrow(() => build({ runAsNonRoot: true }));
  assert.deepEqual(
    (build({ additionalGids: [2000, 3000] }) as unknown as { process: { user: unknown } }).process.user,
    { uid: 1000, gid: 1000, additionalGids: [2000, 3000] },
  );
  if (!existsSync(DEFAULT_PROFILE_PATH)) return t.skip(`${DEFAULT_PROFILE_PATH} is not on this host`);
  assert.ok((build({ seccomp: 'runtime-default' }).linux.seccomp?.syscalls.length ?? 0) > 10);
  assert.equal(
    build({ seccomp: 'runtime-default', privileged: true }).linux.seccomp,
    undefined,
    'privileged: unconfined',
  );
});
