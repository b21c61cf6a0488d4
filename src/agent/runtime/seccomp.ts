import { readFileSync } from 'node:fs';

/**
 * The runtime's default seccomp profile (Kubernetes' RuntimeDefault) as the OCI runtime spec's
 * `linux.seccomp`: the host's containers-common profile (`/usr/share/containers/seccomp.json`,
 * the one CRI-O and podman apply), turned from its Docker format into the runtime's for one
 * container — its rules kept or left out by the container's capabilities and the host's
 * architecture, as the profile's `includes` and `excludes` say.
 */

export const DEFAULT_PROFILE_PATH = '/usr/share/containers/seccomp.json';

interface Arg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}
interface Rule {
  names?: string[];
  name?: string;
  action: string;
  args?: Arg[] | null;
  errnoRet?: number;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
}
interface DockerProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: Rule[];
}

/** Node's architecture as the profile's `arches` name it (Go's GOARCH), and as seccomp names it. */
const ARCHES: Record<string, { go: string; seccomp: string }> = {
  x64: { go: 'amd64', seccomp: 'SCMP_ARCH_X86_64' },
  arm64: { go: 'arm64', seccomp: 'SCMP_ARCH_AARCH64' },
  s390x: { go: 's390x', seccomp: 'SCMP_ARCH_S390X' },
  ppc64: { go: 'ppc64le', seccomp: 'SCMP_ARCH_PPC64LE' },
};

let cached: { path: string; profile: DockerProfile } | undefined;

function load(path: string): DockerProfile {
  if (cached?.path === path) return cached.profile;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(
      `the RuntimeDefault seccomp profile is not on this host (${path}): install the golang-github-containers-common package`,
    );
  }
  const profile = JSON.parse(text) as DockerProfile;
  if (typeof profile.defaultAction !== 'string' || !Array.isArray(profile.syscalls))
    throw new Error(`${path} is not a seccomp profile`);
  cached = { path, profile };
  return profile;
}

/** The OCI `linux.seccomp` for a container with these capabilities, on this host's architecture. */
export function runtimeDefaultSeccomp(caps: readonly string[], path = DEFAULT_PROFILE_PATH, arch = process.arch) {
  const profile = load(path);
  const a = ARCHES[arch];
  if (!a) throw new Error(`no seccomp architecture is known for ${arch}`);
  const held = new Set(caps);
  const applies = (r: Rule) => {
    const inc = r.includes ?? {};
    const exc = r.excludes ?? {};
    if (inc.caps?.length && !inc.caps.every((c) => held.has(c))) return false;
    if (inc.arches?.length && !inc.arches.includes(a.go)) return false;
    if (exc.caps?.length && exc.caps.some((c) => held.has(c))) return false;
    if (exc.arches?.length && exc.arches.includes(a.go)) return false;
    return true;
  };
  const mapped = profile.archMap?.find((m) => m.architecture === a.seccomp);
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    architectures: [a.seccomp, ...(mapped?.subArchitectures ?? [])],
    syscalls: (profile.syscalls ?? []).filter(applies).map((r) => ({
      names: r.names ?? (r.name ? [r.name] : []),
      action: r.action,
      ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
      ...(r.args?.length
        ? { args: r.args.map((x) => ({ index: x.index, value: x.value, valueTwo: x.valueTwo ?? 0, op: x.op })) }
        : {}),
    })),
  };
}
