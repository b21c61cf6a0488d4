import { celFunc, celMethod, CelScalar, type CelFunc, type CelMap } from '@bufbuild/cel';
import { TAGGED, untag } from './cel-net.js';
import { parseQuantity } from './quantity.js';

/**
 * Kubernetes' CEL quantity library (`quantity(self.memory).isLessThan(quantity('1Gi'))`,
 * `isQuantity(self)`): a quantity is a tagged map of its text (as IPs are, cel-net.ts); its value is
 * read as a double, so arithmetic is exact for the integers and short decimals resources use.
 */

function valueOf(text: string): number {
  const negative = text.startsWith('-');
  const v = parseQuantity(negative ? text.slice(1) : text);
  if (v === undefined) throw new Error(`quantities must match the regular expression: "${text}" is not a quantity`);
  return negative ? -v : v;
}

function quantity(text: string): CelMap {
  valueOf(text);
  return new Map([['@quantity', text]]) as unknown as CelMap;
}
const q = (v: unknown, m: string) => valueOf(untag(v, '@quantity', m));
/** The other operand of add/sub: a quantity or an int. */
const operand = (x: unknown, m: string) => (typeof x === 'bigint' ? Number(x) : q(x, m));
const make = (v: number) => quantity(String(Number(v.toPrecision(15))));

const S = CelScalar.STRING;
const B = CelScalar.BOOL;
const I = CelScalar.INT;

export const K8S_QUANTITY: CelFunc[] = [
  celFunc('isQuantity', [S], B, (s: string) => {
    try {
      valueOf(s);
      return true;
    } catch {
      return false;
    }
  }),
  celFunc('quantity', [S], TAGGED, (s: string) => quantity(s)),
  celMethod('isInteger', TAGGED, [], B, function (this: CelMap) {
    const v = q(this, 'isInteger');
    return Number.isSafeInteger(v);
  }),
  celMethod('asInteger', TAGGED, [], I, function (this: CelMap) {
    const v = q(this, 'asInteger');
    if (!Number.isSafeInteger(v)) throw new Error('cannot convert value to integer');
    return BigInt(v);
  }),
  celMethod('asApproximateFloat', TAGGED, [], CelScalar.DOUBLE, function (this: CelMap) {
    return q(this, 'asApproximateFloat');
  }),
  celMethod('sign', TAGGED, [], I, function (this: CelMap) {
    return BigInt(Math.sign(q(this, 'sign')));
  }),
  celMethod('add', TAGGED, [CelScalar.DYN], TAGGED, function (this: CelMap, x: unknown) {
    return make(q(this, 'add') + operand(x, 'add'));
  }),
  celMethod('sub', TAGGED, [CelScalar.DYN], TAGGED, function (this: CelMap, x: unknown) {
    return make(q(this, 'sub') - operand(x, 'sub'));
  }),
  celMethod('isGreaterThan', TAGGED, [TAGGED], B, function (this: CelMap, x: CelMap) {
    return q(this, 'isGreaterThan') > q(x, 'isGreaterThan');
  }),
  celMethod('isLessThan', TAGGED, [TAGGED], B, function (this: CelMap, x: CelMap) {
    return q(this, 'isLessThan') < q(x, 'isLessThan');
  }),
  celMethod('compareTo', TAGGED, [TAGGED], I, function (this: CelMap, x: CelMap) {
    return BigInt(Math.sign(q(this, 'compareTo') - q(x, 'compareTo')));
  }),
];
