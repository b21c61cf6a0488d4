import { execFileSync } from 'node:child_process';

export interface TarEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev';
  data?: string;
  link?: string;
  mode?: number;
}

/** Builds a tar archive with Python's tarfile, entry by entry, including ones no sane tool would write. */
export function makeTar(entries: TarEntry[]): Buffer {
  const script = `
import io, json, sys, tarfile
out = io.BytesIO()
with tarfile.open(fileobj=out, mode='w', format=tarfile.PAX_FORMAT) as t:
    for e in json.load(sys.stdin):
        ti = tarfile.TarInfo(e['name'])
        kind = e.get('type', 'file')
        ti.mode = e.get('mode', 0o644)
        data = e.get('data', '').encode()
        if kind == 'dir': ti.type = tarfile.DIRTYPE; ti.mode = 0o755
        elif kind == 'symlink': ti.type = tarfile.SYMTYPE; ti.linkname = e['link']
        elif kind == 'hardlink': ti.type = tarfile.LNKTYPE; ti.linkname = e['link']
        elif kind == 'chardev': ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 3
        else: ti.size = len(data)
        t.addfile(ti, io.BytesIO(data) if kind == 'file' else None)
sys.stdout.buffer.write(out.getvalue())
`;
  return execFileSync('python3', ['-c', script], { input: JSON.stringify(entries) });
}
