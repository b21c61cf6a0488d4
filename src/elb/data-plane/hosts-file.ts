import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Keeps a block of `address name` lines in a hosts file (`/etc/hosts`, or a file of berth's), so
 * that load balancers' DNS names resolve on the host. The block is berth's alone, marked with a
 * tag of its own, and rewritten only when its lines change; the rest of the file is left as is.
 */
export class HostsFile {
  private last = '';

  constructor(
    private readonly path: string,
    private readonly tag: string,
  ) {}

  write(entries: readonly { address: string; name: string }[]): void {
    const lines = entries.map((e) => `${e.address}\t${e.name}`).sort();
    const block = lines.length
      ? [`# begin berth ${this.tag}`, ...lines, `# end berth ${this.tag}`].join('\n') + '\n'
      : '';
    if (block === this.last) return;
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      // a file of berth's that is not there yet
    }
    const begin = text.indexOf(`# begin berth ${this.tag}\n`);
    const endMark = `# end berth ${this.tag}\n`;
    const end = begin < 0 ? -1 : text.indexOf(endMark, begin);
    const rest = begin < 0 || end < 0 ? text : text.slice(0, begin) + text.slice(end + endMark.length);
    if (begin < 0 && block === '') {
      this.last = block;
      return;
    }
    writeFileSync(this.path, rest + (rest && !rest.endsWith('\n') ? '\n' : '') + block);
    this.last = block;
  }
}
