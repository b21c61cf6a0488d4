import type { IngressSpec } from './ingress-kinds.js';

/**
 * The AWS Load Balancer Controller's Ingress annotations berth reads (`alb.ingress.kubernetes.io/…`),
 * parsed as the controller parses them. A malformed one is an error the controller reports on the
 * Ingress (a FailedDeployModel event), never a partial load balancer.
 */
const PREFIX = 'alb.ingress.kubernetes.io/';

export interface IngressListener {
  protocol: 'HTTP' | 'HTTPS';
  port: number;
}

export interface IngressSettings {
  internal: boolean;
  listeners: IngressListener[];
  /** certificate-arn's ARNs, the first the default; none: discovered from the Ingress's hosts. */
  certificateArns: string[];
  sslPolicy?: string;
  /** ssl-redirect: the HTTPS port every HTTP listener redirects to. */
  sslRedirect?: number;
  healthCheckPath: string;
  successCodes: string;
}

/** An Ingress path as ELB path patterns, as the AWS Load Balancer Controller writes them. */
export function pathPatterns(path: string | undefined, pathType: string | undefined): string[] {
  const p = path || '/';
  if (pathType === 'Exact' || pathType === 'ImplementationSpecific') return [p];
  if (p === '/') return ['/*'];
  return p.endsWith('/') ? [p.slice(0, -1), `${p}*`] : [p, `${p}/*`];
}

const validPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;

/**
 * listen-ports (`[{"HTTP": 80}, {"HTTPS": 443}]`). Without it: HTTPS 443 when the Ingress
 * names certificates or has a `tls` section, HTTP 80 otherwise, as the controller defaults.
 */
export function listenPorts(annotation: string | undefined, preferTls = false): IngressListener[] {
  if (annotation === undefined) return [preferTls ? { protocol: 'HTTPS', port: 443 } : { protocol: 'HTTP', port: 80 }];
  let v: unknown;
  try {
    v = JSON.parse(annotation);
  } catch {
    throw new Error(`failed to parse listen-ports annotation: ${annotation.slice(0, 200)}`);
  }
  if (!Array.isArray(v) || !v.length) throw new Error('listen-ports annotation must be a non-empty list');
  const out: IngressListener[] = [];
  for (const entry of v) {
    const keys = entry && typeof entry === 'object' && !Array.isArray(entry) ? Object.keys(entry as object) : [];
    const protocol = keys[0];
    const port = protocol ? (entry as Record<string, unknown>)[protocol] : undefined;
    if (keys.length !== 1 || !protocol || !validPort(port))
      throw new Error(`listen-ports annotation: invalid entry ${JSON.stringify(entry).slice(0, 100)}`);
    if (protocol !== 'HTTP' && protocol !== 'HTTPS')
      throw new Error(`listen-ports annotation: unknown protocol ${protocol.slice(0, 20)}: HTTP or HTTPS`);
    const same = out.find((l) => l.port === port);
    if (same && same.protocol !== protocol)
      throw new Error(`listen-ports annotation: port ${port} is both ${same.protocol} and ${protocol}`);
    if (!same) out.push({ protocol, port });
  }
  return out;
}

/** The annotations an Ingress's load balancer is made by, checked together. */
export function ingressSettings(annotations: Readonly<Record<string, string>>, spec: IngressSpec): IngressSettings {
  const get = (name: string) => (Object.hasOwn(annotations, PREFIX + name) ? annotations[PREFIX + name] : undefined);
  const certificateArns = (get('certificate-arn') ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const listeners = listenPorts(get('listen-ports'), certificateArns.length > 0 || (spec.tls ?? []).length > 0);
  const redirect = get('ssl-redirect');
  let sslRedirect: number | undefined;
  if (redirect !== undefined) {
    sslRedirect = Number(redirect);
    if (!/^\d{1,5}$/.test(redirect) || !validPort(sslRedirect))
      throw new Error(`ssl-redirect annotation: invalid port ${redirect.slice(0, 20)}`);
    if (!listeners.some((l) => l.protocol === 'HTTPS' && l.port === sslRedirect))
      throw new Error(`ssl-redirect annotation: port ${sslRedirect} is not an HTTPS port in listen-ports`);
  }
  const sslPolicy = get('ssl-policy');
  return {
    // The controller's default scheme is internal.
    internal: get('scheme') !== 'internet-facing',
    listeners,
    certificateArns,
    ...(sslPolicy ? { sslPolicy } : {}),
    ...(sslRedirect !== undefined ? { sslRedirect } : {}),
    healthCheckPath: get('healthcheck-path') ?? '/',
    successCodes: get('success-codes') ?? '200',
  };
}

/**
 * The host names certificates are discovered by when certificate-arn is not given: the `tls`
 * section's hosts, then the rules' hosts, each once.
 */
export function certificateHosts(spec: IngressSpec): string[] {
  const hosts = [...(spec.tls ?? []).flatMap((t) => t.hosts ?? []), ...(spec.rules ?? []).map((r) => r.host ?? '')];
  return [...new Set(hosts.filter(Boolean))];
}
