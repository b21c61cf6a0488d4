/** How a strategy ranks: 0 binpack cpu, 1 binpack memory, 2 spread, 3 random (ends the ranking). */
export const BINPACK_CPU = 0;
export const BINPACK_MEMORY = 1;
export const SPREAD = 2;
export const RANDOM = 3;

export interface SpreadColumn {
  /** Tasks of the group per field value. */
  counts: Float64Array;
  /** Each candidate's value number. */
  of: Int32Array;
}

/**
 * The strategies before the first random one, as one number per candidate whose order is their
 * lexicographic order (lower wins): each key a digit in a mixed radix wide enough for every value
 * it can take during this decision. Only when every key is a non-negative integer and the number
 * stays exact (under 2^53); otherwise undefined, and the caller compares key by key.
 */
export function lexicalScores(
  kinds: Int8Array,
  cpuLeft: Float64Array,
  memLeft: Float64Array,
  spreads: readonly SpreadColumn[],
  count: number,
): { score: Float64Array; weights: Float64Array } | undefined {
  let lead = kinds.findIndex((k) => k === RANDOM);
  if (lead < 0) lead = kinds.length;
  if (lead === 0) return undefined;
  const radix = new Float64Array(lead);
  for (let i = 0; i < lead; i++) {
    const values = kinds[i] === BINPACK_CPU ? cpuLeft : kinds[i] === BINPACK_MEMORY ? memLeft : spreads[i]?.counts;
    if (!values) return undefined;
    let max = 0;
    for (let c = 0; c < values.length; c++) {
      const v = values[c] as number;
      if (v < 0 || !Number.isInteger(v)) return undefined;
      if (v > max) max = v;
    }
    // Resources only shrink as tasks are placed; a spread count grows by at most `count`.
    radix[i] = max + 1 + (kinds[i] === SPREAD ? count : 0);
  }
  const weights = new Float64Array(lead);
  let w = 1;
  for (let i = lead - 1; i >= 0; i--) {
    weights[i] = w;
    w *= radix[i] as number;
  }
  if (w > Number.MAX_SAFE_INTEGER) return undefined;
  const score = new Float64Array(cpuLeft.length);
  for (let i = 0; i < lead; i++) {
    const wi = weights[i] as number;
    if (kinds[i] === BINPACK_CPU)
      for (let c = 0; c < score.length; c++) score[c] = (score[c] as number) + (cpuLeft[c] as number) * wi;
    else if (kinds[i] === BINPACK_MEMORY)
      for (let c = 0; c < score.length; c++) score[c] = (score[c] as number) + (memLeft[c] as number) * wi;
    else {
      const sp = spreads[i] as SpreadColumn;
      for (let c = 0; c < score.length; c++)
        score[c] = (score[c] as number) + (sp.counts[sp.of[c] as number] as number) * wi;
    }
  }
  return { score, weights };
}

/** Moves the scores after one task (of `cpu`, `memory`) lands on candidate `at`. */
export function scorePlaced(
  s: { score: Float64Array; weights: Float64Array },
  kinds: Int8Array,
  spreads: readonly SpreadColumn[],
  at: number,
  cpu: number,
  memory: number,
): void {
  const { score, weights } = s;
  for (let i = 0; i < weights.length; i++) {
    const wi = weights[i] as number;
    if (kinds[i] === BINPACK_CPU) score[at] = (score[at] as number) - cpu * wi;
    else if (kinds[i] === BINPACK_MEMORY) score[at] = (score[at] as number) - memory * wi;
    else {
      // Every candidate sharing the value now counts one more task.
      const of = (spreads[i] as SpreadColumn).of;
      const v = of[at] as number;
      for (let c = 0; c < score.length; c++) if (of[c] === v) score[c] = (score[c] as number) + wi;
    }
  }
}

/**
 * The candidates that fit (`cpu`, `memory`) with the lowest score, into `tied`; how many. The
 * placement loop's hot path: three reads per candidate.
 */
export function bestByScore(
  score: Float64Array,
  cpuLeft: Float64Array,
  memLeft: Float64Array,
  cpu: number,
  memory: number,
  tied: Int32Array,
): number {
  let ties = 0;
  let best = Infinity;
  for (let c = 0; c < score.length; c++) {
    if ((cpuLeft[c] as number) < cpu || (memLeft[c] as number) < memory) continue;
    const s = score[c] as number;
    if (s < best) {
      best = s;
      tied[0] = c;
      ties = 1;
    } else if (s === best) tied[ties++] = c;
  }
  return ties;
}
