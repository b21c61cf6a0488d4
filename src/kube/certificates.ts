import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

/**
 * The X.509 certificates of a cluster: its certificate authority (the `certificate-authority-data`
 * of a kubeconfig, the `ca.crt` every pod is given) and the API server's serving certificates it
 * signs. Keys are made by Node's crypto (node-forge only builds and signs the certificates).
 */
export interface KeyPair {
  /** PKCS#8 PEM. */
  key: string;
  /** SPKI PEM. */
  publicKey: string;
}

export interface Issued {
  cert: string;
  key: string;
}

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export async function rsaKeyPair(): Promise<KeyPair> {
  const k = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return {
    key: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A positive serial number of 16 random bytes, as hex (a leading 0 keeps it positive in DER). */
const serial = () => `0${randomBytes(16).toString('hex')}`;

function validity(cert: forge.pki.Certificate, now: Date, years: number): void {
  // An hour back: a client whose clock is a little behind still accepts it.
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + years * YEAR_MS);
}

/** A self-signed certificate authority named `CN=<name>`, valid ten years. */
export function certificateAuthority(keys: KeyPair, name: string, now: Date): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serial();
  validity(cert, now, 10);
  const subject = [{ name: 'commonName', value: name }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.key), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A certificate of `subject`'s for the key, signed by the authority, with its own extensions; valid a year. */
function leaf(
  ca: { cert: string; key: string },
  keys: KeyPair,
  subject: forge.pki.CertificateField[],
  extensions: object[],
  now: Date,
): string {
  const issuer = forge.pki.certificateFromPem(ca.cert);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serial();
  validity(cert, now, 1);
  cert.setSubject(subject);
  cert.setIssuer(issuer.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    ...extensions,
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A server certificate for the names and addresses given, signed by the authority; valid a year. */
export function servingCertificate(
  ca: { cert: string; key: string },
  keys: KeyPair,
  names: { dns: string[]; ips: string[] },
  now: Date,
): string {
  return leaf(
    ca,
    keys,
    [{ name: 'commonName', value: 'kube-apiserver' }],
    [
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...[...new Set(names.dns)].map((value) => ({ type: 2, value })),
          ...[...new Set(names.ips)].map((ip) => ({ type: 7, ip })),
        ],
      },
    ],
    now,
  );
}

/** A client certificate for `CN=<user>, O=<group>…`, signed by the authority; valid a year (kubeadm's admin.conf kind). */
export function clientCertificate(
  ca: { cert: string; key: string },
  keys: KeyPair,
  who: { user: string; groups: string[] },
  now: Date,
): string {
  return leaf(
    ca,
    keys,
    [...who.groups.map((value) => ({ name: 'organizationName', value })), { name: 'commonName', value: who.user }],
    [{ name: 'extKeyUsage', clientAuth: true }],
    now,
  );
}
