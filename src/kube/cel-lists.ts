import { celMethod, CelScalar, listType, type CelFunc, type CelList, type CelValue } from '@bufbuild/cel';

/**
 * Kubernetes' CEL list library (the API server's `lists` extension): `isSorted`, `sum`, `min`,
 * `max`, `indexOf` and `lastIndexOf` on lists of numbers, strings or booleans, as CRD rules use
 * them (`self.versions.isSorted()`, `self.weights.sum() == 100`).
 */

const LIST = listType(CelScalar.DYN);
type Scalar = bigint | number | string | boolean;

function scalars(list: CelList, what: string): Scalar[] {
  const out: Scalar[] = [];
  for (const v of list) {
    if (typeof v !== 'bigint' && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean')
      throw new Error(`${what} needs a list of numbers, strings or booleans`);
    out.push(v);
  }
  return out;
}

const less = (a: Scalar, b: Scalar) =>
  typeof a === 'boolean' || typeof b === 'boolean' ? Number(a) < Number(b) : a < b;

function extreme(list: CelList, name: string, better: (a: Scalar, b: Scalar) => boolean): CelValue {
  const all = scalars(list, name);
  if (!all.length) throw new Error(`${name} called on empty list`);
  return all.reduce((m, v) => (better(v, m) ? v : m));
}

export const K8S_LISTS: CelFunc[] = [
  celMethod('isSorted', LIST, [], CelScalar.BOOL, function (this: CelList) {
    const all = scalars(this, 'isSorted');
    return all.every((v, i) => i === 0 || !less(v, all[i - 1] as Scalar));
  }),
  celMethod('sum', LIST, [], CelScalar.DYN, function (this: CelList) {
    const all = scalars(this, 'sum');
    if (!all.length) return 0n;
    if (all.every((v) => typeof v === 'bigint')) return (all as bigint[]).reduce((a, b) => a + b, 0n);
    if (all.every((v) => typeof v === 'number')) return (all as number[]).reduce((a, b) => a + b, 0);
    throw new Error('sum needs a list of ints or of doubles');
  }),
  celMethod('min', LIST, [], CelScalar.DYN, function (this: CelList) {
    return extreme(this, 'min', less);
  }),
  celMethod('max', LIST, [], CelScalar.DYN, function (this: CelList) {
    return extreme(this, 'max', (a, b) => less(b, a));
  }),
  celMethod('indexOf', LIST, [CelScalar.DYN], CelScalar.INT, function (this: CelList, x: CelValue) {
    let i = 0;
    for (const v of this) {
      if (v === x) return BigInt(i);
      i++;
    }
    return -1n;
  }),
  celMethod('lastIndexOf', LIST, [CelScalar.DYN], CelScalar.INT, function (this: CelList, x: CelValue) {
    let found = -1;
    let i = 0;
    for (const v of this) {
      if (v === x) found = i;
      i++;
    }
    return BigInt(found);
  }),
];
