import { RE2JS } from 're2js';

/**
 * Regular expressions applied to input that a request, an image or a container's output may
 * carry. They run on RE2 (re2js), whose matching time is linear in the input: no pattern, however
 * written, can make one value take seconds, as a backtracking engine can. RE2's syntax is Go's,
 * which is also what Docker's awslogs driver uses for its patterns.
 */
export interface LinearRegex {
  /** Whether the whole value matches (Java's `matches()`, as AWS validates model patterns). */
  matches(value: string): boolean;
  /** Whether the pattern matches anywhere in the value (Go's `MatchString`). */
  find(value: string): boolean;
  /** The texts of the first `limit` matches, left to right, not overlapping (Go's `FindAllString`). */
  findAll(value: string, limit: number): string[];
}

/** Compiles a pattern, or throws RE2's own message for one it cannot take. */
export function compileLinear(pattern: string): LinearRegex {
  const re = RE2JS.compile(pattern);
  return {
    matches: (v) => re.matches(v),
    find: (v) => re.matcher(v).find(),
    findAll(v, limit) {
      const m = re.matcher(v);
      const out: string[] = [];
      while (out.length < limit && m.find()) out.push(m.group() ?? '');
      return out;
    },
  };
}

/**
 * The AWS models' patterns are Java's. The two Java spellings RE2 lacks and the models use are
 * rewritten: `\uXXXX` escapes become `\x{XXXX}`, and a bounded repeat above RE2's limit of 1000
 * becomes unbounded (the member's length limit still applies). A pattern that still does not
 * compile (a lookahead) yields undefined: it is not checked, rather than checked by a
 * backtracking engine.
 */
export function compileJavaPattern(pattern: string): LinearRegex | undefined {
  const rewritten = pattern
    .replace(/\\u([0-9A-Fa-f]{4})/g, '\\x{$1}')
    .replace(/\{(\d+),(\d+)\}/g, (all, lo: string, hi: string) => (Number(hi) > 1000 ? `{${lo},}` : all));
  try {
    return compileLinear(rewritten);
  } catch {
    return undefined;
  }
}
