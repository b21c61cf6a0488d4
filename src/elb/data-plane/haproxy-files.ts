import { createHash } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ListenerPlan } from './engine.js';

/** The files HAProxy reads beside its configuration: certificate bundles and forward maps. */
export class HaproxyFiles {
  /** The certificate bundles in `dir` (read from disk once, then kept in step as they are written). */
  private certs?: Set<string>;

  constructor(private readonly dir: string) {}

  /** Forward maps on disk, where a start or reload reads them; those of listeners gone are removed. */
  maps(maps: ReadonlyMap<string, string>): void {
    for (const [file, text] of maps) writeFileSync(file, text);
    for (const f of readdirSync(this.dir))
      if (f.startsWith('fwd-') && !maps.has(join(this.dir, f))) rmSync(join(this.dir, f), { force: true });
  }

  /**
   * Each HTTPS listener's bundles (certificate, chain, key), the default first then its
   * certificate list, each in a file of its own, readable by root alone, named by its digest: a
   * new certificate is a new name, so the configuration changes and HAProxy reloads. Bundles no
   * listener uses any more are removed. Returns each listener's files by its key.
   */
  certificates(listeners: readonly ListenerPlan[]): Map<string, string[]> {
    const certs = (this.certs ??= new Set(readdirSync(this.dir).filter((f) => f.startsWith('cert-'))));
    const out = new Map<string, string[]>();
    for (const l of listeners) {
      if (!l.certificate) continue;
      const files = [l.certificate, ...(l.sniCertificates ?? [])].map((c) => {
        const pem = bundleOf(c);
        const name = `cert-${l.id}-${createHash('sha256').update(pem).digest('hex').slice(0, 12)}.pem`;
        if (!certs.has(name)) writeFileSync(join(this.dir, name), `${pem}\n`, { mode: 0o600 });
        certs.add(name);
        return join(this.dir, name);
      });
      out.set(l.key, [...new Set(files)]);
    }
    const keep = new Set([...out.values()].flat().map((f) => basename(f)));
    for (const f of certs)
      if (!keep.has(f)) {
        rmSync(join(this.dir, f), { force: true });
        certs.delete(f);
      }
    return out;
  }
}

/** A listener's HAProxy bundle: certificate, chain, key, one after the other. */
function bundleOf(c: NonNullable<ListenerPlan['certificate']>): string {
  return [c.certificate, c.chain ?? '', c.privateKey]
    .map((p) => p.trim())
    .filter(Boolean)
    .join('\n');
}
