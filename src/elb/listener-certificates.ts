import { invalidParameter, limitExceeded, notFound } from '../kernel/index.js';
import type { ElbDeps } from './deps.js';
import { listenerByArn } from './listeners.js';
import { listeners, type ListenerRecord } from './tables.js';

/**
 * A listener's certificate list (AddListenerCertificates and its kin): certificates besides the
 * default one, each served to a client whose SNI name it covers; the default serves the rest.
 * AWS allows 25 on a listener by default.
 */
const MAX_CERTIFICATES = 25;

export interface ListenerCertificateView {
  CertificateArn: string;
  IsDefault: boolean;
}

function secureListener(deps: ElbDeps, arn: string): ListenerRecord {
  const l = listenerByArn(deps, arn);
  if (l.protocol !== 'HTTPS')
    throw invalidParameter(`Listener '${arn}' is not an HTTPS listener: it has no certificates`, {
      field: 'ListenerArn',
      reason: 'operation-not-permitted',
    });
  return l;
}

function certificateArns(certs: { CertificateArn?: string }[] | undefined): string[] {
  const arns = (certs ?? []).map((c, i) => {
    if (!c.CertificateArn)
      throw invalidParameter('A certificate ARN must be specified', { field: `Certificates.member.${i + 1}` });
    return c.CertificateArn;
  });
  if (!arns.length) throw invalidParameter('A certificate must be specified', { field: 'Certificates' });
  return arns;
}

/** DescribeListenerCertificates: the default (IsDefault) then the list, in the order added. */
export function describeListenerCertificates(deps: ElbDeps, arn: string): ListenerCertificateView[] {
  const l = listenerByArn(deps, arn);
  const def = l.certificates[0]?.CertificateArn;
  return [
    ...(def ? [{ CertificateArn: def, IsDefault: true }] : []),
    ...(l.sniCertificates ?? []).map((a) => ({ CertificateArn: a, IsDefault: false })),
  ];
}

/** AddListenerCertificates: one already in the list is not added again. */
export async function addListenerCertificates(
  deps: ElbDeps,
  arn: string,
  certs: { CertificateArn?: string }[] | undefined,
): Promise<ListenerCertificateView[]> {
  const arns = certificateArns(certs);
  for (const a of arns)
    if (!deps.certificates?.pem(a)) throw notFound(`Certificate '${a}' not found`, { resource: 'certificate' });
  let added: string[] = [];
  await deps.store.transact((tx) => {
    const l = tx.get(listeners, secureListener(deps, arn).key)?.value;
    if (!l) throw notFound(`Listener '${arn}' not found`, { resource: 'listener' });
    const have = l.sniCertificates ?? [];
    added = arns.filter((a, i) => !have.includes(a) && arns.indexOf(a) === i);
    if (have.length + added.length > MAX_CERTIFICATES)
      throw limitExceeded(`A listener can have at most ${MAX_CERTIFICATES} certificates`, {
        resource: 'certificate',
      });
    tx.put(listeners, { ...l, sniCertificates: [...have, ...added] });
  });
  return arns.map((a) => ({ CertificateArn: a, IsDefault: false }));
}

/** RemoveListenerCertificates: the default certificate stays (ModifyListener replaces it). */
export async function removeListenerCertificates(
  deps: ElbDeps,
  arn: string,
  certs: { CertificateArn?: string }[] | undefined,
): Promise<void> {
  const arns = certificateArns(certs);
  await deps.store.transact((tx) => {
    const l = tx.get(listeners, secureListener(deps, arn).key)?.value;
    if (!l) throw notFound(`Listener '${arn}' not found`, { resource: 'listener' });
    const def = l.certificates[0]?.CertificateArn;
    const list = l.sniCertificates ?? [];
    if (arns.some((a) => a === def && !list.includes(a)))
      throw invalidParameter('The default certificate cannot be removed; use ModifyListener to replace it', {
        field: 'Certificates',
        reason: 'operation-not-permitted',
      });
    tx.put(listeners, { ...l, sniCertificates: list.filter((a) => !arns.includes(a)) });
  });
}
