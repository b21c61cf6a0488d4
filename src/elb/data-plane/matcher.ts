import { compileWildcard, type Wildcard } from '../../kernel/index.js';
import { conditionValues, parseCidr } from '../actions.js';
import type { ElbAction, ElbCondition } from '../tables.js';

/** What a rule looks at in a request. */
export interface RequestFacts {
  method: string;
  /** The path without the query string. */
  path: string;
  host: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  query: URLSearchParams;
  sourceIp: string;
}

export type Predicate = (r: RequestFacts) => boolean;

const ipv4 = (text: string): number | undefined => {
  const c = parseCidr(`${text.replace(/^::ffff:/, '')}/32`);
  return c?.[0];
};

// ELB's wildcards: `*` any run, `?` one character; host names and header values case-insensitive.
const glob = (pattern: string, fold: boolean): Wildcard => {
  const w = compileWildcard(fold ? pattern.toLowerCase() : pattern, { questionMark: true });
  return fold ? (v) => w(v.toLowerCase()) : w;
};

/** One condition as a predicate: true when any of its values matches (AND across conditions). */
function compileCondition(c: ElbCondition): Predicate {
  const values = conditionValues(c);
  switch (c.Field) {
    case 'path-pattern': {
      const ws = values.map((v) => glob(v, false));
      return (r) => ws.some((w) => w(r.path));
    }
    case 'host-header': {
      const ws = values.map((v) => glob(v, true));
      return (r) => ws.some((w) => w(r.host.replace(/:\d+$/, '')));
    }
    case 'http-header': {
      const name = (c.HttpHeaderConfig?.HttpHeaderName ?? '').toLowerCase();
      const ws = values.map((v) => glob(v, true));
      return (r) => {
        const h = r.headers[name];
        const all = h === undefined ? [] : Array.isArray(h) ? h : [h];
        return all.some((v) => ws.some((w) => w(v)));
      };
    }
    case 'http-request-method':
      return (r) => values.includes(r.method);
    case 'query-string': {
      const pairs = (c.QueryStringConfig?.Values ?? []).map((kv) => ({
        key: kv.Key === undefined ? undefined : glob(kv.Key, true),
        value: glob(kv.Value ?? '*', true),
      }));
      return (r) => pairs.some((p) => [...r.query.entries()].some(([k, v]) => (p.key ? p.key(k) : true) && p.value(v)));
    }
    case 'source-ip': {
      const cidrs = values.map((v) => parseCidr(v)).filter((x): x is [number, number] => x !== undefined);
      return (r) => {
        const ip = ipv4(r.sourceIp);
        return ip !== undefined && cidrs.some(([net, mask]) => (ip & mask) >>> 0 === net);
      };
    }
    default:
      return () => false;
  }
}

export interface CompiledRule {
  matches: Predicate;
  actions: readonly ElbAction[];
}

/** A listener's rules by priority, its default actions last: the first that matches decides. */
export function compileRules(
  rules: readonly { priority: number; conditions: readonly ElbCondition[]; actions: readonly ElbAction[] }[],
  defaults: readonly ElbAction[],
): CompiledRule[] {
  return [
    ...[...rules]
      .sort((a, b) => a.priority - b.priority)
      .map((r) => {
        const ps = r.conditions.map(compileCondition);
        return { matches: (q: RequestFacts) => ps.every((p) => p(q)), actions: r.actions };
      }),
    { matches: () => true, actions: defaults },
  ];
}

export function route(rules: readonly CompiledRule[], r: RequestFacts): readonly ElbAction[] {
  for (const rule of rules) if (rule.matches(r)) return rule.actions;
  return [];
}
