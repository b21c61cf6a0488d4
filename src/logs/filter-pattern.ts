import { invalidParameter, notImplemented, own, compileWildcard, type Wildcard } from '../kernel/index.js';

export type Matcher = (message: string) => boolean;

/**
 * CloudWatch Logs filter patterns: terms (all must appear; case-sensitive), "quoted phrases",
 * -exclusions, ?optional terms (at least one must appear), and JSON patterns such as
 * `{ $.level = "error" && $.latency > 100 }` with `*` wildcards in strings. Space-delimited
 * patterns (`[ip, user, ...]`) are not implemented.
 */
export function compileFilter(pattern: string | undefined): Matcher {
  const p = (pattern ?? '').trim();
  if (p === '') return () => true;
  if (p.startsWith('{')) return jsonPattern(p);
  if (p.startsWith('[')) throw notImplemented('Space-delimited filter patterns are');
  const required: string[] = [];
  const optional: string[] = [];
  const excluded: string[] = [];
  const re = /([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
  for (let m = re.exec(p); m; m = re.exec(p)) {
    const term = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] as string);
    (m[1] === '?' ? optional : m[1] === '-' ? excluded : required).push(term);
  }
  return (msg) =>
    required.every((t) => msg.includes(t)) &&
    !excluded.some((t) => msg.includes(t)) &&
    (optional.length === 0 || optional.some((t) => msg.includes(t)));
}

// A string value's matcher is built once, when the pattern is compiled, not once per event.
type Cmp = { path: string[]; op: string; value: string | number | boolean | null; glob?: Wildcard };

function jsonPattern(p: string): Matcher {
  if (!p.endsWith('}')) throw invalidParameter(`Invalid filter pattern: ${p}`, { field: 'filterPattern' });
  const body = p.slice(1, -1).trim();
  // Disjunction of conjunctions: `a && b || c`.
  const alternatives = body.split('||').map((alt) =>
    alt.split('&&').map((part): Cmp => {
      const m = /^\s*\$((?:\.[A-Za-z0-9_-]+|\[\d+\])+)\s*(=|!=|>=|<=|>|<)\s*(.+?)\s*$/.exec(part);
      if (!m) throw invalidParameter(`Invalid filter pattern: ${p}`, { field: 'filterPattern' });
      const raw = m[3] as string;
      const value =
        raw.startsWith('"') && raw.endsWith('"')
          ? raw.slice(1, -1)
          : raw === 'true' || raw === 'false'
            ? raw === 'true'
            : raw === 'NULL' || raw === 'null'
              ? null
              : Number.isFinite(Number(raw))
                ? Number(raw)
                : raw;
      const path = (m[1] as string).match(/[A-Za-z0-9_-]+|\d+/g) ?? [];
      return {
        path,
        op: m[2] as string,
        value,
        ...(typeof value === 'string' ? { glob: compileWildcard(value) } : {}),
      };
    }),
  );
  return (msg) => {
    let doc: unknown;
    try {
      doc = JSON.parse(msg);
    } catch {
      return false;
    }
    return alternatives.some((all) => all.every((c) => holds(doc, c)));
  };
}

function holds(doc: unknown, c: Cmp): boolean {
  let v: unknown = doc;
  for (const k of c.path) {
    if (v === null || typeof v !== 'object') return false;
    v = own(v as Record<string, unknown>, k);
  }
  if (v === undefined) return false;
  if (typeof c.value === 'number') {
    if (typeof v !== 'number') return false;
    switch (c.op) {
      case '=':
        return v === c.value;
      case '!=':
        return v !== c.value;
      case '>':
        return v > c.value;
      case '>=':
        return v >= c.value;
      case '<':
        return v < c.value;
      default:
        return v <= c.value;
    }
  }
  if (typeof c.value === 'string') {
    const match = typeof v === 'string' && c.glob !== undefined && c.glob(v);
    return c.op === '!=' ? !match : c.op === '=' && match;
  }
  return c.op === '!=' ? v !== c.value : c.op === '=' && v === c.value;
}
