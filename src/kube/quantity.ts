/**
 * Kubernetes resource quantities ("100m", "0.5", "128Mi", "1G", "1e3") as numbers: CPU in
 * millicores, anything else in its base unit (bytes for memory). Undefined when malformed.
 */
const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) && q >= 0 ? q : undefined;
  if (q.length > 64) return undefined;
  const m = /^(\+?[0-9]+(?:\.[0-9]*)?|\+?\.[0-9]+)(?:([eE][+-]?[0-9]{1,3})|([numkMGTPE]i?)?)$/.exec(q);
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  if (!Object.hasOwn(SUFFIX, suffix)) return undefined;
  return base * (SUFFIX[suffix] as number);
}

/** CPU in millicores (rounded up, as the API server does), or undefined. */
export function milliCpu(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.ceil(v * 1000);
}

/** Bytes, or undefined. */
export function bytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.ceil(v);
}

const DECIMAL: readonly [string, number][] = [
  ['E', 1e18],
  ['P', 1e15],
  ['T', 1e12],
  ['G', 1e9],
  ['M', 1e6],
  ['k', 1e3],
  ['', 1],
  ['m', 1e-3],
  ['u', 1e-6],
  ['n', 1e-9],
];
const BINARY: readonly [string, number][] = [
  ['Ei', 2 ** 60],
  ['Pi', 2 ** 50],
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];

/** Whether v is a whole multiple of unit (within float error). */
const whole = (v: number, unit: number) => {
  const n = v / unit;
  return Math.abs(n - Math.round(n)) < 1e-9 * Math.max(1, Math.abs(n));
};

/**
 * A value written as the API server writes a quantity: binary suffixes when the value came in
 * binary ones (`1024Mi` → `1Gi`) and is whole bytes of one, otherwise the largest decimal suffix
 * it is a whole number of (`1.5` → `1500m`, `2000m` → `2`).
 */
export function formatQuantity(value: number, binary = false): string {
  if (value === 0) return '0';
  if (binary)
    for (const [suffix, unit] of BINARY)
      if (Math.abs(value) >= unit && whole(value, unit)) return `${Math.round(value / unit)}${suffix}`;
  for (const [suffix, unit] of DECIMAL)
    if (Math.abs(value) >= unit && whole(value, unit)) return `${Math.round(value / unit)}${suffix}`;
  return `${Math.ceil(value / 1e-9)}n`;
}

/** A quantity as the API server prints it (`0.5` → `500m`, `1024Mi` → `1Gi`); what does not parse, as it was. */
export function canonicalQuantity(q: string | number): string {
  const v = parseQuantity(q);
  if (v === undefined) return String(q);
  return formatQuantity(v, typeof q === 'string' && /i$/.test(q));
}
