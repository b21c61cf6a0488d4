import type { PackedPoints, Point } from './tables.js';

/** Points as columns (PackedPoints). */
export function pack(points: readonly Point[]): PackedPoints {
  const out: PackedPoints = { at: [], v: [] };
  const n = points.length;
  points.forEach((p, i) => {
    out.at.push(p.at);
    out.v.push(p.values === undefined ? null : p.values.length === 1 && !p.counts ? (p.values[0] as number) : p.values);
    if (p.counts) (out.c ??= new Array<number[] | null>(n).fill(null))[i] = p.counts;
    if (p.stats)
      (out.s ??= new Array<[number, number, number, number] | null>(n).fill(null))[i] = [
        p.stats.sampleCount,
        p.stats.sum,
        p.stats.min,
        p.stats.max,
      ];
    if (p.unit) (out.u ??= new Array<string | null>(n).fill(null))[i] = p.unit;
  });
  return out;
}

/** Columns back into points. */
export function unpack(packed: PackedPoints): Point[] {
  return packed.at.map((at, i) => {
    const p: Point = { at };
    const v = packed.v[i];
    if (typeof v === 'number') p.values = [v];
    else if (Array.isArray(v)) p.values = v;
    const c = packed.c?.[i];
    if (c) p.counts = c;
    const s = packed.s?.[i];
    if (s) p.stats = { sampleCount: s[0], sum: s[1], min: s[2], max: s[3] };
    const u = packed.u?.[i];
    if (u) p.unit = u;
    return p;
  });
}
