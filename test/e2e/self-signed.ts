import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/**
 * A self-signed certificate for a DNS name (a wildcard too) or an IP address, valid two days,
 * written as PEM files where asked (`openssl req -x509`): what the HTTPS tests trust by hand.
 */
export async function selfSigned(name: string, certPath: string, keyPath: string): Promise<void> {
  const san = isIP(name) ? `IP:${name}` : `DNS:${name}`;
  await execFileP('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `subjectAltName=${san}`,
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
}
