import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { certificateNameCovers, conflict, invalidParameter, notFound, uuid } from '../kernel/index.js';
import { defineTable } from '../store/index.js';
import { now, type IamDeps } from './deps.js';

/** An imported certificate (ACM's IMPORTED type): PEM text, its private key sealed at rest. */
export interface CertificateRecord {
  arn: string;
  certificate: string;
  chain?: string;
  sealedKey: string;
  domainName: string;
  subjectAlternativeNames: string[];
  serial: string;
  subject: string;
  issuer: string;
  notBefore: number;
  notAfter: number;
  keyAlgorithm: string;
  importedAt: number;
  createdAt: number;
  tags: { Key: string; Value?: string }[];
}

export const certificates = defineTable<CertificateRecord>('acm.certificates', (c) => c.arn);

/** The PEM a listener serves: the certificate, its chain and its private key. */
export interface ServedCertificate {
  certificate: string;
  chain?: string;
  privateKey: string;
  /** Its domain and alternative names. */
  names: string[];
}

const bad = (message: string, field: string) => invalidParameter(message, { field });
const MAX_PEM = 32 * 1024;

function parseCertificate(pem: string, field: string): X509Certificate {
  if (pem.length > MAX_PEM) throw bad(`The ${field} is larger than ${MAX_PEM} bytes.`, field);
  try {
    return new X509Certificate(pem);
  } catch {
    throw bad(`Unable to parse the ${field}. Make sure it is a PEM-encoded X.509 certificate.`, field);
  }
}

function parseKey(pem: string): KeyObject {
  if (pem.length > MAX_PEM) throw bad(`The private key is larger than ${MAX_PEM} bytes.`, 'PrivateKey');
  try {
    return createPrivateKey(pem);
  } catch {
    throw bad('Unable to parse the private key. Make sure it is a PEM-encoded key without a passphrase.', 'PrivateKey');
  }
}

function keyAlgorithm(k: KeyObject): string {
  const d = k.asymmetricKeyDetails;
  if (k.asymmetricKeyType === 'rsa') return `RSA_${d?.modulusLength ?? 2048}`;
  if (k.asymmetricKeyType === 'ec')
    return (
      ({ prime256v1: 'EC_prime256v1', secp384r1: 'EC_secp384r1', secp521r1: 'EC_secp521r1' } as Record<string, string>)[
        d?.namedCurve ?? ''
      ] ?? 'EC_prime256v1'
    );
  throw bad(`Keys of type ${k.asymmetricKeyType ?? 'unknown'} are not supported.`, 'PrivateKey');
}

/** `CN=example.com` from a subject, else its first SAN. */
function domainOf(c: X509Certificate): { domain: string; sans: string[] } {
  const sans = (c.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(c.subject)?.[1];
  return { domain: cn ?? sans[0] ?? '', sans: sans.length ? sans : cn ? [cn] : [] };
}

/**
 * ImportCertificate: a PEM certificate and its unencrypted private key (which must match it),
 * with an optional chain; again with CertificateArn, a new certificate for the same ARN.
 */
export async function importCertificate(
  deps: IamDeps,
  input: {
    CertificateArn?: string;
    Certificate: string;
    PrivateKey: string;
    CertificateChain?: string;
    Tags?: { Key: string; Value?: string }[];
  },
): Promise<CertificateRecord> {
  const cert = parseCertificate(input.Certificate, 'Certificate');
  const key = parseKey(input.PrivateKey);
  if (!cert.checkPrivateKey(key)) throw bad('The private key does not match the certificate.', 'PrivateKey');
  if (input.CertificateChain !== undefined) parseCertificate(input.CertificateChain, 'CertificateChain');
  const was = input.CertificateArn ? getCertificate(deps, input.CertificateArn) : undefined;
  if (was && input.Tags?.length) throw bad('Tags cannot be given when a certificate is imported again.', 'Tags');
  const arn = was?.arn ?? `arn:aws:acm:${deps.region}:${deps.accountId}:certificate/${uuid()}`;
  const { domain, sans } = domainOf(cert);
  const t = now(deps);
  const rec: CertificateRecord = {
    arn,
    certificate: input.Certificate,
    ...(input.CertificateChain !== undefined ? { chain: input.CertificateChain } : {}),
    sealedKey: deps.sealer.seal(input.PrivateKey, arn),
    domainName: domain,
    subjectAlternativeNames: sans,
    serial: cert.serialNumber.toLowerCase().replace(/(..)(?=.)/g, '$1:'),
    subject: cert.subject.split('\n').join(','),
    issuer: cert.issuer.split('\n').join(','),
    notBefore: Date.parse(cert.validFrom),
    notAfter: Date.parse(cert.validTo),
    keyAlgorithm: keyAlgorithm(key),
    importedAt: t,
    createdAt: was?.createdAt ?? t,
    tags: was?.tags ?? input.Tags ?? [],
  };
  await deps.store.transact((tx) => tx.put(certificates, rec));
  return rec;
}

export function getCertificate(deps: IamDeps, arn: string): CertificateRecord {
  const c = deps.store.read((tx) => tx.get(certificates, arn)?.value);
  if (!c) throw notFound(`Could not find certificate ${arn}.`, { resource: 'certificate' });
  return c;
}

export function listCertificates(deps: IamDeps): CertificateRecord[] {
  return deps.store.read((tx) => tx.list(certificates)).map((e) => e.value);
}

/** DeleteCertificate: refused while a listener serves it (`inUse` names who does). */
export async function deleteCertificate(deps: IamDeps, arn: string, inUse: (arn: string) => string[]): Promise<void> {
  getCertificate(deps, arn);
  const users = inUse(arn);
  if (users.length)
    throw conflict(`Certificate ${arn} in use by ${users.join(', ')}`, { reason: 'in-use', resource: 'certificate' });
  await deps.store.transact((tx) => tx.delete(certificates, arn));
}

/**
 * The certificates for a host name (what the AWS Load Balancer Controller discovers an Ingress's
 * by): those not expired whose domain or alternative names cover it.
 */
export function certificatesFor(deps: IamDeps, host: string): string[] {
  const at = now(deps);
  return listCertificates(deps)
    .filter((c) => c.notAfter > at && c.notBefore <= at)
    .filter((c) => [c.domainName, ...c.subjectAlternativeNames].some((n) => certificateNameCovers(n, host)))
    .map((c) => c.arn);
}

/** What a listener serves for a certificate ARN, its key opened; undefined for none. */
export function servedCertificate(deps: IamDeps, arn: string): ServedCertificate | undefined {
  const c = deps.store.read((tx) => tx.get(certificates, arn)?.value);
  if (!c) return undefined;
  return {
    certificate: c.certificate,
    ...(c.chain ? { chain: c.chain } : {}),
    privateKey: deps.sealer.open(c.sealedKey, c.arn),
    names: [...new Set([c.domainName, ...c.subjectAlternativeNames])],
  };
}
