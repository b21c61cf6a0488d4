import { celMethod, CelScalar, listType, type CelFunc } from '@bufbuild/cel';
import { compileLinear, type LinearRegex } from '../kernel/index.js';

/**
 * Kubernetes' CEL regex library (`self.find('[0-9]+')`, `self.findAll('[a-z]+', 2)`) on RE2,
 * linear in the input as `matches` is: the first match (or ""), or all matches up to a limit.
 */
const compiled = new Map<string, LinearRegex>();
function regex(pattern: string): LinearRegex {
  let r = compiled.get(pattern);
  if (!r) {
    if (pattern.length > 4096) throw new Error('the regular expression is too long');
    r = compileLinear(pattern);
    if (compiled.size > 500) compiled.clear();
    compiled.set(pattern, r);
  }
  return r;
}

const S = CelScalar.STRING;
const STRINGS = listType(S);

export const K8S_REGEX: CelFunc[] = [
  celMethod('find', S, [S], S, function (this: string, pattern: string) {
    return regex(pattern).findAll(this, 1)[0] ?? '';
  }),
  celMethod('findAll', S, [S], STRINGS, function (this: string, pattern: string) {
    return regex(pattern).findAll(this, this.length + 1);
  }),
  celMethod('findAll', S, [S, CelScalar.INT], STRINGS, function (this: string, pattern: string, limit: bigint) {
    const n = limit < 0n ? this.length + 1 : Number(limit > BigInt(this.length + 1) ? BigInt(this.length + 1) : limit);
    return regex(pattern).findAll(this, n);
  }),
];
