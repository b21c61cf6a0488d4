import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secret values at rest: AES-256-GCM under a key kept outside the store (a file in the data
 * directory), so the database alone — a backup, a copied file — does not hold them in the clear.
 * A sealed value is `v1:` + base64(iv | tag | ciphertext); the value's name is bound to it as
 * associated data, so a sealed value cannot be moved to another parameter and opened there.
 */
export class Sealer {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('a sealing key is 32 bytes');
  }

  static random(): Sealer {
    return new Sealer(randomBytes(32));
  }

  seal(plain: string, boundTo: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(boundTo));
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
  }

  /** The value sealed for `boundTo`; throws if it was sealed under another key or for another name. */
  open(sealed: string, boundTo: string): string {
    if (!sealed.startsWith('v1:')) throw new Error('not a sealed value');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAAD(Buffer.from(boundTo));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}
