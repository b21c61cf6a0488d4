/**
 * Glob matching where `*` stands for any run of characters (and, where asked, `?` for one), as
 * ECR tag filters, lifecycle rules, CloudWatch Logs JSON patterns and ECS's cluster query
 * language use it. Literal pieces are found left to right, each at its first place: no
 * backtracking, so a pattern like `*a*a*a*a*b` costs one scan of the value per piece rather than
 * an exponential search.
 */
export type Wildcard = (value: string) => boolean;

export function compileWildcard(pattern: string, opts: { questionMark?: boolean } = {}): Wildcard {
  const pieces = pattern.split('*');
  // A literal without `?` compares as a plain substring (most policy and filter patterns).
  const eq = opts.questionMark
    ? (v: string, at: number, lit: string) => {
        if (!lit.includes('?')) return v.startsWith(lit, at);
        if (at + lit.length > v.length) return false;
        for (let i = 0; i < lit.length; i++) if (lit[i] !== '?' && lit[i] !== v[at + i]) return false;
        return true;
      }
    : (v: string, at: number, lit: string) => v.startsWith(lit, at);
  const indexOf = (v: string, lit: string, from: number): number => {
    if (!opts.questionMark || !lit.includes('?')) return v.indexOf(lit, from);
    for (let i = from; i + lit.length <= v.length; i++) if (eq(v, i, lit)) return i;
    return -1;
  };
  if (pieces.length === 1) return (v) => v.length === pattern.length && eq(v, 0, pattern);
  const first = pieces[0] as string;
  const last = pieces[pieces.length - 1] as string;
  const middle = pieces.slice(1, -1).filter((p) => p !== '');
  return (v) => {
    if (v.length < first.length + last.length) return false;
    if (!eq(v, 0, first) || !eq(v, v.length - last.length, last)) return false;
    let at = first.length;
    const end = v.length - last.length;
    for (const lit of middle) {
      const i = indexOf(v, lit, at);
      if (i < 0 || i + lit.length > end) return false;
      at = i + lit.length;
    }
    return true;
  };
}

/**
 * Whether a TLS certificate's name covers a host name (RFC 6125): the same name in any case, or
 * a `*.` wildcard standing for exactly one leftmost label.
 */
export function certificateNameCovers(name: string, host: string): boolean {
  const n = name.toLowerCase();
  const h = host.toLowerCase();
  if (!n.startsWith('*.')) return n === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === n.slice(2);
}
