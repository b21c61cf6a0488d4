import type { Cause } from './names.js';
import { invalidValue, notImplemented } from './names.js';

/**
 * What a pod's and its containers' securityContext give the runtime — seccomp, privilege
 * escalation, runAsNonRoot — with the container's own settings over the pod's, and the API
 * server's checks of them.
 */

type Context = Record<string, unknown>;
const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

const seccompOf = (ctx: Context | undefined) =>
  (ctx?.['seccompProfile'] as { type?: string; localhostProfile?: string } | undefined) ?? undefined;

/** The checks of one securityContext (`path`: where it is; `container`: a container's, not the pod's). */
export function securityCauses(path: string, ctx: Context | undefined, container: boolean): Cause[] {
  if (!ctx) return [];
  const causes: Cause[] = [];
  const seccomp = seccompOf(ctx);
  if (seccomp) {
    const f = `${path}.seccompProfile`;
    if (!SECCOMP_TYPES.includes(seccomp.type ?? ''))
      causes.push({
        field: `${f}.type`,
        message: `Unsupported value: ${JSON.stringify(seccomp.type ?? '')}: supported values: "Localhost", "RuntimeDefault", "Unconfined"`,
      });
    else if (seccomp.type === 'Localhost') causes.push(notImplemented(`${f}.type`, 'Localhost seccomp profiles'));
    if (seccomp.localhostProfile !== undefined && seccomp.type !== 'Localhost')
      causes.push({
        field: `${f}.localhostProfile`,
        message: 'Invalid value: can only be set when seccomp type is Localhost',
      });
  }
  if (container && ctx['allowPrivilegeEscalation'] === false) {
    const adds = ((ctx['capabilities'] as { add?: string[] } | undefined)?.add ?? []).map((c) =>
      c.startsWith('CAP_') ? c : `CAP_${c}`,
    );
    if (ctx['privileged'] === true)
      causes.push(
        invalidValue(path, 'object', 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'),
      );
    else if (adds.includes('CAP_SYS_ADMIN'))
      causes.push(
        invalidValue(
          path,
          'object',
          'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
        ),
      );
  }
  return causes;
}

/** The container's security settings for the runtime, its own over the pod's. */
export function runtimeSecurity(podCtx: Context | undefined, ctx: Context | undefined) {
  const seccomp = seccompOf(ctx) ?? seccompOf(podCtx);
  const nonRoot = ctx?.['runAsNonRoot'] ?? podCtx?.['runAsNonRoot'];
  // The kubelet puts the process in the pod's fsGroup and supplementalGroups too.
  const gids = [
    ...(typeof podCtx?.['fsGroup'] === 'number' ? [podCtx['fsGroup']] : []),
    ...((Array.isArray(podCtx?.['supplementalGroups']) ? podCtx['supplementalGroups'] : []) as unknown[]),
  ].filter((g): g is number => typeof g === 'number' && Number.isInteger(g) && g >= 0);
  return {
    ...(gids.length ? { additionalGids: [...new Set(gids)] } : {}),
    ...(ctx?.['allowPrivilegeEscalation'] === false ? { noNewPrivileges: true } : {}),
    ...(seccomp?.type === 'RuntimeDefault' ? { seccomp: 'runtime-default' as const } : {}),
    ...(nonRoot === true ? { runAsNonRoot: true } : {}),
  };
}
